"""The yearly table a low-threshold service publishes about the young people who contacted it (DOMAIN.md
section 4, after Blå Kors Kompasset's intake survey): shares for each parent with a problem, both parents,
average years, each kind of violence and its average duration, suicide-related experiences, separation,
whom they talked to and earlier help.

One aggregate query over the intake questionnaires of the scope and period. Each question is published as
yes / no / did not answer, through the one suppression rule; shares are of everyone who filled in the
questionnaire, as in the published survey; an average is shown only when at least the threshold answered.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Avg, Count, Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kindred.reports.kpis import round_small
from kindred.reports.scopes import Period, Scope
from kindred.reports.suppression import default_threshold, suppress_table

# (key, label, condition for yes, condition for no, field with the years, or "")
QUESTIONS: list[tuple[str, Promise, Q, Q, str]] = [
    ("father", _("Father had a substance problem"), Q(father_problem=True), Q(father_problem=False), ""),
    ("mother", _("Mother had a substance problem"), Q(mother_problem=True), Q(mother_problem=False), ""),
    (
        "both",
        _("Both parents"),
        Q(father_problem=True, mother_problem=True),
        Q(father_problem=False) | Q(mother_problem=False),
        "",
    ),
    (
        "other_parent",
        _("A step-parent or foster parent"),
        Q(other_parent_problem=True),
        Q(other_parent_problem=False),
        "",
    ),
    ("years", _("Years of the childhood affected"), Q(years_affected__isnull=False), Q(pk__in=[]), "years_affected"),
    (
        "psychological",
        _("Psychological violence"),
        Q(psychological_violence=True),
        Q(psychological_violence=False),
        "psychological_violence_years",
    ),
    (
        "physical",
        _("Physical violence"),
        Q(physical_violence=True),
        Q(physical_violence=False),
        "physical_violence_years",
    ),
    ("sexual", _("Sexual violations"), Q(sexual_violation=True), Q(sexual_violation=False), "sexual_violation_years"),
    ("suicide_threats", _("A parent threatened suicide"), Q(suicide_threats=True), Q(suicide_threats=False), ""),
    (
        "suicide_attempt",
        _("Witnessed a suicide attempt"),
        Q(suicide_attempt_witnessed=True),
        Q(suicide_attempt_witnessed=False),
        "",
    ),
    ("separated", _("Parents separated"), Q(parents_separated=True), Q(parents_separated=False), ""),
    ("talked_nobody", _("Never talked to anyone about it"), Q(talked_to_nobody=True), Q(talked_to_nobody=False), ""),
    ("talked_friend", _("Talked to a friend"), Q(talked_to_friend=True), Q(talked_to_friend=False), ""),
    ("talked_family", _("Talked to someone in the family"), Q(talked_to_family=True), Q(talked_to_family=False), ""),
    ("talked_school", _("Talked to school staff"), Q(talked_to_school=True), Q(talked_to_school=False), ""),
    (
        "talked_health",
        _("Talked to a health nurse, doctor or psychologist"),
        Q(talked_to_health=True),
        Q(talked_to_health=False),
        "",
    ),
    (
        "talked_child_welfare",
        _("Talked to child welfare"),
        Q(talked_to_child_welfare=True),
        Q(talked_to_child_welfare=False),
        "",
    ),
    ("no_earlier_help", _("Had no help before"), Q(earlier_help=False), Q(earlier_help=True), ""),
]


@dataclass(frozen=True)
class Row:
    key: str
    label: Promise
    yes: int | None
    no: int | None
    unanswered: int | None
    share: float | None  # of everyone in the report
    average_years: float | None


@dataclass(frozen=True)
class YouthReport:
    scope: Scope
    period: Period
    threshold: int
    respondents: int | None  # rounded when small, None when under the threshold
    rows: list[Row]


def youth_report(scope: Scope, period: Period, threshold: int | None = None) -> YouthReport:
    from kindred.directory.models import YouthIntake

    t = threshold or default_threshold()
    rows = YouthIntake.objects.filter(
        organisation_id__in=scope.organisation_ids, created_on__gte=period.start, created_on__lte=period.end
    )
    aggregates = {"n": Count("pk")}
    for key, _label, yes, no, years in QUESTIONS:
        aggregates[f"{key}_yes"] = Count("pk", filter=yes)
        aggregates[f"{key}_no"] = Count("pk", filter=no)
        if years:
            aggregates[f"{key}_avg"] = Avg(years, filter=yes & Q(**{f"{years}__isnull": False}))
            aggregates[f"{key}_answered"] = Count(years, filter=yes)
    data = rows.aggregate(**aggregates)
    n = data["n"]
    published: list[Row] = []
    for key, label, _yes, _no, years in QUESTIONS:
        yes, no = data[f"{key}_yes"], data[f"{key}_no"]
        table = suppress_table([[yes, no, n - yes - no]], t)
        shown_yes = table.cells[0][0]
        share = shown_yes / n if shown_yes is not None and n >= t else None
        average = None
        if years and (data[f"{key}_answered"] or 0) >= t and data[f"{key}_avg"] is not None:
            average = round(float(data[f"{key}_avg"]), 1)
        published.append(Row(key, label, shown_yes, table.cells[0][1], table.cells[0][2], share, average))
    respondents = None if 0 < n < t else round_small(n, t)
    if respondents is None:
        published = [Row(r.key, r.label, None, None, None, None, None) for r in published]
    return YouthReport(scope, period, t, respondents, published)
