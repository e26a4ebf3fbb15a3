"""The key figures: each one a table of counts computed in the database, one row per part of the scope (the
drill-down), one column per category, published only through kindred.reports.suppression.

Every metric is a partition: its categories add up to its total (new episodes = answered within 7 days +
answered later + not answered). That is what lets complementary suppression protect a small category from
being worked out as "total minus the others", across the parts of the drill-down too.

No Python loop ever runs over persons, episodes or other rows: each metric is one GROUP BY query (medians
are two ordered, sliced queries per part).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import (
    Case,
    Count,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kindred.reports.scopes import Period, Scope
from kindred.reports.suppression import SuppressedTable, default_threshold, suppress_table


@dataclass(frozen=True)
class Metric:
    """One key figure: what is counted, its categories, and the query that counts them."""

    key: str
    label: Promise
    section: str
    categories: tuple[tuple[str, Promise], ...]
    # (organisation ids of each part, period) -> a queryset of rows with "part", "category" and "n"
    query: Callable[[list[tuple[int, ...]], Period], QuerySet]
    # The category the headline share is about (e.g. "answered"): its share of the total is shown.
    share_of: tuple[str, ...] = ()
    unit_label: Promise | None = None

    @property
    def unit(self) -> Promise:
        return self.unit_label or _("episodes")


def _part_case(path: str, parts: list[tuple[int, ...]]) -> Case:
    """The index of the part an organisation id belongs to, as an SQL CASE."""
    return Case(
        *(When(**{f"{path}__in": ids, "then": Value(i)}) for i, ids in enumerate(parts) if ids),
        default=Value(-1),
        output_field=IntegerField(),
    )


def _all_ids(parts: list[tuple[int, ...]]) -> list[int]:
    return sorted({i for ids in parts for i in ids})


def _grouped(rows: QuerySet, path: str, parts, category, *, distinct: str = "pk", filtered: bool = False) -> QuerySet:
    if not filtered:
        rows = rows.filter(**{f"{path}__in": _all_ids(parts)})
    return (
        rows.annotate(part=_part_case(path, parts), category=category)
        .values("part", "category")
        .annotate(n=Count(distinct, distinct=True))
        .order_by()
    )


def _in(period: Period, field_name: str) -> Q:
    return Q(**{f"{field_name}__gte": period.start, f"{field_name}__lte": period.end})


def _minor_on(day: date, prefix: str) -> Q:
    """The person at `prefix` is under 18 on `day` (by birth date, or by birth year when that is all)."""
    try:
        cutoff = day.replace(year=day.year - 18)
    except ValueError:  # 29 February
        cutoff = day.replace(year=day.year - 18, day=28)
    return Q(**{f"{prefix}birth_date__gt": cutoff}) | Q(
        **{f"{prefix}birth_date__isnull": True, f"{prefix}birth_year__gt": day.year - 18}
    )


# --- The children -----------------------------------------------------------------------------------


def _episodes(period: Period):
    from kindred.care.models import Episode

    return Episode.objects.filter(_in(period, "started_on"))


def _children_question(parts, period):
    from kindred.care.models import ChildrenAnswer

    rows = _episodes(period).annotate(answered_on=TruncDate("answered_at", output_field=DateField()))
    category = Case(
        When(children_answer=ChildrenAnswer.NOT_ASKED, then=Value("not_answered")),
        When(answered_on__lte=F("started_on") + timedelta(days=7), then=Value("within_7_days")),
        default=Value("later"),
    )
    return _grouped(rows, "organisation_id", parts, category)


def _children_answer(parts, period):
    from kindred.care.models import ChildrenAnswer

    rows = _episodes(period).exclude(children_answer=ChildrenAnswer.NOT_ASKED)
    return _grouped(rows, "organisation_id", parts, F("children_answer"))


def _children_relationships(period: Period, organisation_ids: list[int]):
    """Each minor child of a patient whose episode at one of the organisations started in the period.

    One filter() call, so the episode the period and the organisation are checked on is the same join the
    rows are grouped by."""
    from kindred.people.models import Relationship

    return Relationship.objects.filter(
        _minor_on(period.end, "other__"),
        kind=Relationship.Kind.PARENT_OF,
        person__episodes__started_on__gte=period.start,
        person__episodes__started_on__lte=period.end,
        person__episodes__organisation_id__in=organisation_ids,
    )


def _children_with(model_path: str):
    """Children split by whether a child sheet / information exists for them in the same episode."""

    def query(parts, period):
        from kindred.care.models import ChildSheet, InformationGiven

        model = {"sheet": ChildSheet, "informed": InformationGiven}[model_path]
        ids = _all_ids(parts)
        done = model.objects.filter(
            episode__started_on__gte=period.start,
            episode__started_on__lte=period.end,
            episode__organisation_id__in=ids,
        ).values("child_id")
        rows = _children_relationships(period, ids)
        # A child counts as done when the record exists for them in an episode of the scope in the period.
        category = Case(When(other_id__in=done, then=Value("yes")), default=Value("no"))
        return _grouped(rows, "person__episodes__organisation_id", parts, category, distinct="other_id", filtered=True)

    return query


def _concern_reports(parts, period):
    from kindred.care.models import CONCERN_FEEDBACK_DAYS, ConcernReport

    overdue_before = timezone.localdate() - timedelta(days=CONCERN_FEEDBACK_DAYS)
    rows = ConcernReport.objects.filter(_in(period, "sent_on"))
    category = Case(
        When(feedback_on__isnull=False, then=Value("feedback")),
        When(sent_on__lt=overdue_before, then=Value("overdue")),
        default=Value("waiting"),
    )
    return _grouped(rows, "episode__organisation_id", parts, category)


def _tasks(parts, period):
    from kindred.care.models import Task

    today = timezone.localdate()
    rows = Task.objects.filter(_in(period, "due_on"))
    category = Case(
        When(status=Task.Status.DONE, then=Value("done")),
        When(status=Task.Status.OPEN, due_on__lt=today, then=Value("overdue")),
        When(status=Task.Status.OPEN, then=Value("open")),
        default=Value("cancelled"),
    )
    return _grouped(rows, "episode__organisation_id", parts, category)


# --- Cooperation ------------------------------------------------------------------------------------


def _referrals(parts, period):
    from kindred.referrals.models import Referral

    rows = Referral.objects.exclude(sent_at__isnull=True).annotate(
        sent_on=TruncDate("sent_at", output_field=DateField())
    )
    return _grouped(rows.filter(_in(period, "sent_on")), "from_organisation_id", parts, F("status"))


def _declines(parts, period):
    from kindred.referrals.models import Referral

    rows = Referral.objects.filter(status=Referral.Status.DECLINED).annotate(
        decided_on=TruncDate("decided_at", output_field=DateField())
    )
    category = Case(When(decline_reason="", then=Value("other")), default=F("decline_reason"))
    return _grouped(rows.filter(_in(period, "decided_on")), "to_organisation_id", parts, category)


def _consultations(parts, period):
    from kindred.referrals.models import Consultation

    rows = Consultation.objects.annotate(asked_on=TruncDate("created_at", output_field=DateField())).filter(
        _in(period, "asked_on")
    )
    category = Case(When(replies__isnull=False, then=Value("answered")), default=Value("waiting"))
    return _grouped(rows, "to_organisation_id", parts, category)


# --- Programmes and self-referrals ------------------------------------------------------------------


def _enrolments(parts, period):
    from kindred.programs.models import Enrolment

    rows = Enrolment.objects.annotate(on=TruncDate("created_at", output_field=DateField())).filter(_in(period, "on"))
    return _grouped(rows, "run__organisation_id", parts, F("status"))


def _attendance(parts, period):
    from kindred.programs.models import Attendance

    rows = Attendance.objects.filter(_in(period, "session__date"), session__cancelled=False)
    return _grouped(rows, "session__run__organisation_id", parts, F("status"))


def _completion(parts, period):
    from kindred.programs.models import Enrolment

    rows = Enrolment.objects.filter(status__in=[Enrolment.Status.COMPLETED, Enrolment.Status.NOT_COMPLETED])
    rows = rows.annotate(on=TruncDate("ended_at", output_field=DateField())).filter(_in(period, "on"))
    return _grouped(rows, "run__organisation_id", parts, F("status"))


def _head_counts(parts, period):
    from kindred.programs.models import Session

    rows = Session.objects.filter(_in(period, "date"), head_count__isnull=False, run__template__drop_in=True)
    return (
        rows.filter(run__organisation_id__in=_all_ids(parts))
        .annotate(part=_part_case("run__organisation_id", parts), category=Value("heads"))
        .values("part", "category")
        .annotate(n=Sum("head_count"))
        .order_by()
    )


def _self_referrals(parts, period):
    from kindred.directory.models import SelfReferral

    rows = SelfReferral.objects.annotate(on=TruncDate("created_at", output_field=DateField())).filter(_in(period, "on"))
    category = Case(
        When(status=SelfReferral.Status.CONVERTED, then=Value("converted")),
        When(status=SelfReferral.Status.CLOSED, then=Value("closed")),
        default=Value("open"),
    )
    return _grouped(rows, "organisation_id", parts, category)


def _categories(choices) -> tuple[tuple[str, Promise], ...]:
    return tuple((value, label) for value, label in choices if value)


def metrics() -> list[Metric]:
    from kindred.care.models import ChildrenAnswer
    from kindred.programs.models import Attendance, Enrolment
    from kindred.referrals.models import Referral

    yes_no = (("yes", _("yes")), ("no", _("no")))
    return [
        Metric(
            "children_question",
            _("New episodes with the children question answered"),
            "children",
            (
                ("within_7_days", _("answered within 7 days")),
                ("later", _("answered later")),
                ("not_answered", _("not answered")),
            ),
            _children_question,
            share_of=("within_7_days", "later"),
        ),
        Metric(
            "children_answer",
            _("Patients with minor children"),
            "children",
            _categories([c for c in ChildrenAnswer.choices if c[0] != ChildrenAnswer.NOT_ASKED]),
            _children_answer,
            share_of=(ChildrenAnswer.HAS,),
            unit_label=_("answered episodes"),
        ),
        Metric(
            "children_sheet",
            _("Children with a child sheet"),
            "children",
            yes_no,
            _children_with("sheet"),
            share_of=("yes",),
            unit_label=_("children"),
        ),
        Metric(
            "children_informed",
            _("Children informed"),
            "children",
            yes_no,
            _children_with("informed"),
            share_of=("yes",),
            unit_label=_("children"),
        ),
        Metric(
            "concern_reports",
            _("Concern reports sent"),
            "children",
            (
                ("feedback", _("feedback received")),
                ("waiting", _("waiting for feedback")),
                ("overdue", _("feedback overdue")),
            ),
            _concern_reports,
            unit_label=_("reports"),
        ),
        Metric(
            "tasks",
            _("Follow-up tasks due in the period"),
            "children",
            (("done", _("done")), ("open", _("open")), ("overdue", _("overdue")), ("cancelled", _("cancelled"))),
            _tasks,
            share_of=("done",),
            unit_label=_("tasks"),
        ),
        Metric(
            "referrals",
            _("Referrals sent"),
            "cooperation",
            _categories([c for c in Referral.Status.choices if c[0] != Referral.Status.DRAFT]),
            _referrals,
            share_of=(Referral.Status.ACCEPTED, Referral.Status.COMPLETED),
            unit_label=_("referrals"),
        ),
        Metric(
            "declines",
            _("Referrals declined, by reason"),
            "cooperation",
            _categories(Referral.DeclineReason.choices),
            _declines,
            unit_label=_("referrals"),
        ),
        Metric(
            "consultations",
            _("Consultations asked of the service"),
            "cooperation",
            (("answered", _("answered")), ("waiting", _("waiting"))),
            _consultations,
            share_of=("answered",),
            unit_label=_("consultations"),
        ),
        Metric(
            "enrolments",
            _("Programme enrolments"),
            "programmes",
            _categories(Enrolment.Status.choices),
            _enrolments,
            unit_label=_("enrolments"),
        ),
        Metric(
            "attendance",
            _("Attendance at programme sessions"),
            "programmes",
            _categories(Attendance.Status.choices),
            _attendance,
            share_of=(Attendance.Status.PRESENT,),
            unit_label=_("places"),
        ),
        Metric(
            "completion",
            _("Programme participants who completed"),
            "programmes",
            ((Enrolment.Status.COMPLETED, _("completed")), (Enrolment.Status.NOT_COMPLETED, _("did not complete"))),
            _completion,
            share_of=(Enrolment.Status.COMPLETED,),
            unit_label=_("participants"),
        ),
        Metric(
            "head_counts",
            _("People at meeting-place gatherings"),
            "programmes",
            (("heads", _("people")),),
            _head_counts,
            unit_label=_("people"),
        ),
        Metric(
            "self_referrals",
            _("Self-referrals received"),
            "programmes",
            (("open", _("open")), ("converted", _("converted")), ("closed", _("closed"))),
            _self_referrals,
            share_of=("converted",),
            unit_label=_("self-referrals"),
        ),
    ]


def get_metric(key: str) -> Metric | None:
    return next((m for m in metrics() if m.key == key), None)


# --- Publishing -------------------------------------------------------------------------------------


def raw_counts(metric: Metric, parts: list[Scope], period: Period) -> list[list[int]]:
    """The metric's counts, one row per part and one column per category, straight from the database."""
    index = {key: j for j, (key, _label) in enumerate(metric.categories)}
    table = [[0] * len(index) for _part in parts]
    for row in metric.query([p.organisation_ids for p in parts], period):
        if row["part"] >= 0 and row["category"] in index:
            table[row["part"]][index[row["category"]]] += int(row["n"] or 0)
    return table


def round_small(n: int | None, threshold: int) -> int | None:
    """Small totals are published rounded to the threshold's multiple (never to zero), so two reports
    cannot be subtracted to the exact count."""
    if n is None or n == 0 or n >= 4 * threshold:
        return n
    return max(threshold, threshold * round(n / threshold))


@dataclass
class Figure:
    """One metric as published for a scope and period, with its drill-down and the previous period."""

    metric: Metric
    parts: list[Scope]
    table: SuppressedTable
    previous: SuppressedTable
    threshold: int
    rounded_total: int | None = None
    previous_rounded_total: int | None = None
    share: float | None = None
    previous_share: float | None = None
    category_totals: list[tuple[str, Promise, int | None]] = field(default_factory=list)

    @property
    def change(self) -> int | None:
        if self.rounded_total is None or self.previous_rounded_total is None:
            return None
        return self.rounded_total - self.previous_rounded_total


def _share(table: SuppressedTable, metric: Metric) -> float | None:
    """The headline share, only when every number it needs is published."""
    if not metric.share_of or not table.total:
        return None
    index = [j for j, (key, _l) in enumerate(metric.categories) if key in metric.share_of]
    values = [table.column_totals[j] for j in index]
    if any(v is None for v in values) or table.total < table.threshold:
        return None
    return sum(values) / table.total


def figure(metric: Metric, scope: Scope, parts: list[Scope], period: Period, threshold: int | None = None) -> Figure:
    """Compute and suppress one metric for the scope (rows: its parts, or the scope itself when it has none)."""
    t = threshold or default_threshold()
    rows = parts or [scope]
    current = suppress_table(raw_counts(metric, rows, period), t)
    before = suppress_table(raw_counts(metric, rows, period.previous()), t)
    return Figure(
        metric=metric,
        parts=rows,
        table=current,
        previous=before,
        threshold=t,
        rounded_total=round_small(current.total, t),
        previous_rounded_total=round_small(before.total, t),
        share=_share(current, metric),
        previous_share=_share(before, metric),
        category_totals=[(key, label, current.column_totals[j]) for j, (key, label) in enumerate(metric.categories)],
    )


def median_days_to_information(scope: Scope, period: Period, threshold: int | None = None) -> int | None:
    """Median days from episode start to each child's first information, for children of episodes started in
    the period; None when fewer than the threshold children were informed."""
    from kindred.care.models import InformationGiven

    t = threshold or default_threshold()
    firsts = (
        InformationGiven.objects.filter(
            episode__organisation_id__in=scope.organisation_ids,
            episode__started_on__gte=period.start,
            episode__started_on__lte=period.end,
        )
        .values("episode_id", "child_id")
        .annotate(first=Min("given_on"))
        .annotate(days=ExpressionWrapper(F("first") - F("episode__started_on"), output_field=DurationField()))
        .order_by("days")
    )
    return _median(firsts, "days", t, lambda d: d.days)


def median_days_to_acceptance(scope: Scope, period: Period, threshold: int | None = None) -> int | None:
    """Median days from a referral being sent to its acceptance, for referrals sent by the scope in the period."""
    from kindred.referrals.models import Referral

    t = threshold or default_threshold()
    rows = (
        Referral.objects.filter(
            from_organisation_id__in=scope.organisation_ids,
            status__in=[Referral.Status.ACCEPTED, Referral.Status.COMPLETED],
            sent_at__isnull=False,
            decided_at__isnull=False,
        )
        .annotate(sent_on=TruncDate("sent_at", output_field=DateField()))
        .filter(_in(period, "sent_on"))
        .annotate(days=ExpressionWrapper(F("decided_at") - F("sent_at"), output_field=DurationField()))
        .order_by("days")
        .values("days")
    )
    return _median(rows, "days", t, lambda d: round(d.total_seconds() / 86400))


def _median(rows: QuerySet, name: str, threshold: int, to_days) -> int | None:
    n = rows.count()
    if n < threshold:
        return None
    middle = [row[name] for row in rows.values(name)[(n - 1) // 2 : n // 2 + 1]]
    values = [to_days(v) for v in middle]
    return round(sum(values) / len(values))


@dataclass
class ZoneFigure:
    """Instrument responses by zone (level 1 lowest risk), one row per instrument."""

    instruments: list[str]
    levels: list[int]
    table: SuppressedTable


def zone_distribution(scope: Scope, period: Period, threshold: int | None = None) -> ZoneFigure:
    from kindred.instruments.models import Response

    t = threshold or default_threshold()
    rows = (
        Response.objects.filter(
            _in(period, "answered_on"), organisation_id__in=scope.organisation_ids, zone_level__isnull=False
        )
        .values("instrument__key", "zone_level")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[str, dict[int, int]] = {}
    for row in rows:  # one row per instrument and zone, never per response
        counts.setdefault(row["instrument__key"], {})[row["zone_level"]] = row["n"]
    instruments = sorted(counts)
    levels = sorted({level for by_level in counts.values() for level in by_level}) or [1]
    table = suppress_table([[counts[key].get(level, 0) for level in levels] for key in instruments], t)
    return ZoneFigure(instruments, levels, table)
