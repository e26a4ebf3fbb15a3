"""The yearly table a low-threshold service publishes about the young people who contacted it (DOMAIN.md
section 4, after Blå Kors Kompasset's intake survey): shares for each parent with a problem, both parents,
average years, each kind of violence and its average duration, suicide-related experiences, separation,
whom they talked to and earlier help.

One aggregate query over the intake questionnaires of the scope and period. Each question is published as
yes / no / did not answer, through the one suppression rule; shares are of everyone who filled in the
questionnaire, as in the published survey; an average is shown only when at least the threshold answered.
Like the key figures, the table is suppressed together with the same table for every other scope of the
country, so that two reports cannot be subtracted to reveal a few young people.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kindred.reports.kpis import (
    TOTAL,
    _crossing_tables,
    _hidden_together,
    _node,
    _organisations,
    _report_tables,
    _summed,
    cached,
    round_small,
)
from kindred.reports.scopes import Geography, Period, Scope
from kindred.reports.suppression import default_threshold

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
    respondents: int | None  # rounded when small; None when under the threshold, or hidden (see too_few)
    rows: list[Row]
    # Fewer than the threshold filled in the questionnaire, so everything is hidden. When `respondents` is None
    # but this is False, the number is hidden because another report (on a part, or the whole) would give
    # away a small number with it.
    too_few: bool = False


def youth_report(
    scope: Scope, period: Period, threshold: int | None = None, *, geography: Geography | None = None
) -> YouthReport:
    """The table for the scope. Each question's yes / no / did not answer is suppressed together with the
    same question for every other scope of the country and by part of each scope (kpis.figure does the same
    for the key figures), so that the report on a scope cannot be read against the report on a part of it.
    Cached like the key figures (kpis.cached)."""
    t = threshold or default_threshold()
    geography = geography or scope.geography or Geography()
    key = ("youth", period.start, period.end, t, scope.country, tuple(sorted(set(scope.organisation_ids))))
    # Only numbers go to the cache: the scope (with its Geography) and the lazy labels would cost more to
    # unpickle on every request than the rest of the page.
    figures = cached(key, lambda: _figures(_youth_report(scope, period, t, geography)))[0]
    respondents, too_few, numbers = figures
    labels = {key: label for key, label, _yes, _no, _years in QUESTIONS}
    rows = [Row(key, labels[key], *values) for key, *values in numbers]
    return YouthReport(scope, period, t, respondents, rows, too_few=too_few)


def _figures(report: YouthReport) -> tuple:
    rows = tuple((r.key, r.yes, r.no, r.unanswered, r.share, r.average_years) for r in report.rows)
    return report.respondents, report.too_few, rows


def _youth_report(scope: Scope, period: Period, t: int, geography: Geography) -> YouthReport:
    from kindred.directory.models import YouthIntake

    reports = geography.reports(scope.country)
    aggregates = {"n": Count("pk")}
    for key, _label, yes, no, years in QUESTIONS:
        aggregates[f"{key}_yes"] = Count("pk", filter=yes)
        aggregates[f"{key}_no"] = Count("pk", filter=no)
        if years:
            aggregates[f"{key}_sum"] = Sum(years, filter=yes & Q(**{f"{years}__isnull": False}))
            aggregates[f"{key}_answered"] = Count(years, filter=yes)
    per_org = {
        row["organisation_id"]: row
        for row in YouthIntake.objects.filter(
            organisation_id__in=_organisations([*reports, (scope, [scope])]),
            created_on__gte=period.start,
            created_on__lte=period.end,
        )
        .values("organisation_id")
        .annotate(**aggregates)
        .order_by()
    }

    def answers(key: str) -> dict[int, list[int]]:
        return {
            org: [row[f"{key}_yes"], row[f"{key}_no"], row["n"] - row[f"{key}_yes"] - row[f"{key}_no"]]
            for org, row in per_org.items()
        }

    node = _node(scope)
    # Every scope's published row, and (not published, but added up by the rows) each scope by its parts.
    tables_for = [*reports, *((whole, [whole]) for whole, _parts in reports)]
    tables, own = [], {}
    for key, _label, _yes, _no, _years in QUESTIONS:
        vector = _summed(answers(key), 3)

        def cell_key(part, j, key=key):
            return ("n", part) if j == TOTAL else (key, part, j)

        (own[key],) = _report_tables([(scope, [scope])], vector, 3, cell_key)
        tables += _report_tables(tables_for, vector, 3, cell_key)
        tables += _crossing_tables(geography, scope.country, vector, 3, cell_key)
    hidden = _hidden_together(tables, list(own.values()), t)

    def total(name: str) -> int:
        return sum(per_org[i][name] or 0 for i in node if i in per_org)

    n = total("n")
    n_shown = n >= t and ("n", node) not in hidden
    published: list[Row] = []
    for key, label, _yes, _no, years in QUESTIONS:
        cells = own[key].suppress(hidden, t).cells[0]
        share = cells[0] / n if cells[0] is not None and n_shown else None
        average = None
        if years and total(f"{key}_answered") >= t:
            average = round(total(f"{key}_sum") / total(f"{key}_answered"), 1)
        published.append(Row(key, label, cells[0], cells[1], cells[2], share, average))
    if 0 < n < t:
        published = [Row(r.key, r.label, None, None, None, None, None) for r in published]
    respondents = round_small(n, t) if n == 0 or n_shown else None
    return YouthReport(scope, period, t, respondents, published, too_few=0 < n < t)
