"""The key figures: each one a table of counts computed in the database, one row per part of the scope (the
drill-down), one column per category, published only through kindred.reports.suppression.

Every metric is a partition: its categories add up to its total (new episodes = answered within 7 days +
answered later + not answered). That is what lets complementary suppression protect a small category from
being worked out as "total minus the others", across the parts of the drill-down too.

Every metric is counted per organisation, and a part's count is the sum over its organisations: a scope's
figures are then exactly the sum of its parts' in every report, whichever scope it is opened from. (A
child is counted once for each organisation that treats one of their parents.) Because the reports on a
country's scopes share their numbers, each figure is suppressed together with all of them
(suppression.suppress_linked): a number hidden in one report is hidden in every report that shows it,
so no two reports can be subtracted to reveal it.

No Python loop ever runs over persons, episodes or other rows: each metric is one GROUP BY query (medians
are two ordered, sliced queries per part).

Because every figure is suppressed against the whole country, computing one means counting every organisation
and suppressing every report of the country: seconds at national scale. So each published table is kept in the
cache for settings.STATISTICS_CACHE_SECONDS (5 minutes unless configured; 0 turns it off), keyed by metric,
period, threshold and the scope with its parts, and the per-organisation counts (shared by all scopes) are
kept as long. Figures are therefore at most that old; the pages say when they were computed
(`computed_at`). Cached values are only ever suppressed tables and counts per organisation, never a person.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Case,
    Count,
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.timezone import now as _now
from django.utils.translation import gettext_lazy as _

from kindred.reports.scopes import Geography, Period, Scope
from kindred.reports.suppression import (
    LinkedTable,
    SuppressedTable,
    default_threshold,
    suppress_linked,
    suppress_table,
)


@dataclass(frozen=True)
class Metric:
    """One key figure: what is counted, its categories, and the query that counts them."""

    key: str
    label: Promise
    section: str
    categories: tuple[tuple[str, Promise], ...]
    # (organisation ids, or None for all, period) -> a queryset of rows with "org" (an organisation id),
    # "category" and "n", counted per organisation so that any part's count is the sum over its organisations
    query: Callable[[list[int] | None, Period], QuerySet]
    # The category the headline share is about (e.g. "answered"): its share of the total is shown.
    share_of: tuple[str, ...] = ()
    unit_label: Promise | None = None

    @property
    def unit(self) -> Promise:
        return self.unit_label or _("episodes")


def _all_ids(parts: list[tuple[int, ...]]) -> list[int]:
    return sorted({i for ids in parts for i in ids})


def _only(ids: list[int] | None, path: str) -> Q:
    """The rows of those organisations (all when `ids` is None)."""
    return Q() if ids is None else Q(**{f"{path}__in": ids})


def _grouped(rows: QuerySet, path: str, ids: list[int] | None, category, *, distinct: str = "pk") -> QuerySet:
    """Rows counted per organisation (at `path`) and category."""
    return (
        rows.filter(_only(ids, path))
        .annotate(org=F(path), category=category)
        .values("org", "category")
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


def _children_relationships(period: Period, organisation_ids: list[int] | None):
    """Each minor child of a patient whose episode at one of the organisations started in the period, with
    that organisation as "org".

    One filter() call, so the episode the period and the organisation are checked on is the same join the
    rows are grouped by (the annotation reuses it)."""
    from kindred.people.models import Relationship

    return Relationship.objects.filter(
        _minor_on(period.end, "other__"),
        _only(organisation_ids, "person__episodes__organisation_id"),
        kind=Relationship.Kind.PARENT_OF,
        person__episodes__started_on__gte=period.start,
        person__episodes__started_on__lte=period.end,
    ).annotate(org=F("person__episodes__organisation_id"))


def _children_with(model_path: str):
    """Children of the organisation's patients split by whether the organisation has made a child sheet /
    given information for them, in an episode of theirs started in the period."""

    def query(ids, period):
        from kindred.care.models import ChildSheet, InformationGiven

        model = {"sheet": ChildSheet, "informed": InformationGiven}[model_path]
        done = model.objects.filter(
            child_id=OuterRef("other_id"),
            episode__organisation_id=OuterRef("org"),
            episode__started_on__gte=period.start,
            episode__started_on__lte=period.end,
        )
        category = Case(When(Exists(done), then=Value("yes")), default=Value("no"))
        return (
            _children_relationships(period, ids)
            .annotate(category=category)
            .values("org", "category")
            .annotate(n=Count("other_id", distinct=True))
            .order_by()
        )

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
    from kindred.referrals.models import Consultation, ConsultationReply

    rows = Consultation.objects.annotate(asked_on=TruncDate("created_at", output_field=DateField())).filter(
        _in(period, "asked_on")
    )
    # Answered by the service asked: a follow-up message from the one who asked is no answer.
    answer = ConsultationReply.objects.filter(
        consultation_id=OuterRef("pk"), organisation_id=OuterRef("to_organisation_id")
    )
    category = Case(When(Exists(answer), then=Value("answered")), default=Value("waiting"))
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

    rows = Session.objects.filter(
        _in(period, "date"), head_count__isnull=False, cancelled=False, run__template__drop_in=True
    )
    return (
        rows.filter(_only(parts, "run__organisation_id"))
        .annotate(org=F("run__organisation_id"), category=Value("heads"))
        .values("org", "category")
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
    from kindred.library.models import Item
    from kindred.library.stats import handouts_per_organisation
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
        Metric(
            "library_handouts",
            _("Information material handed out"),
            "children",
            _categories(Item.Kind.choices),
            handouts_per_organisation,
            unit_label=_("items handed out"),
        ),
    ]


def get_metric(key: str) -> Metric | None:
    return next((m for m in metrics() if m.key == key), None)


# --- Publishing -------------------------------------------------------------------------------------


TOTAL = None  # in a key, in place of a category: the total over the categories
Node = tuple[int, ...]


def _per_organisation(metric: Metric, ids: list[int] | None, period: Period) -> dict[int, list[int]]:
    """The metric's counts for each organisation, one per category, in one query."""
    index = {key: j for j, (key, _label) in enumerate(metric.categories)}
    counts: dict[int, list[int]] = {}
    for row in metric.query(ids, period):
        if row["category"] in index and row["org"] is not None:
            counts.setdefault(row["org"], [0] * len(index))[index[row["category"]]] += int(row["n"] or 0)
    return counts


def _summed(counts: dict, width: int) -> Callable[[Node], list[int]]:
    """The counts of a set of organisations: the sum of theirs (remembered, since scopes repeat)."""
    cache: dict[Node, list[int]] = {}

    def vector(node: Node) -> list[int]:
        if node not in cache:
            total = [0] * width
            for i in node:
                for j, v in enumerate(counts.get(i, ())):
                    total[j] += v
            cache[node] = total
        return cache[node]

    return vector


def _node(scope: Scope) -> Node:
    """A scope as the numbers know it: its organisations (two scopes with the same ones have the same numbers)."""
    return tuple(sorted(set(scope.organisation_ids)))


def _report_tables(
    reports: list[tuple[Scope, list[Scope]]], vector: Callable[[Node], list[int]], width: int, key: Callable
) -> list[LinkedTable]:
    """Each report's table (rows: its parts, columns: the categories) with a key for every number:
    key(node, category index) for counts and key(node, TOTAL) for totals."""
    tables = []
    for scope, rows in reports:
        nodes, whole = [_node(r) for r in rows], _node(scope)
        tables.append(
            LinkedTable(
                counts=tuple(tuple(vector(n)) for n in nodes),
                keys=tuple(tuple(key(n, j) for j in range(width)) for n in nodes),
                row_keys=tuple(key(n, TOTAL) for n in nodes),
                column_keys=tuple(key(whole, j) for j in range(width)),
                total_key=key(whole, TOTAL),
            )
        )
    return tables


def _hidden_together(tables: list[LinkedTable], wanted: list[LinkedTable], t: int) -> frozenset:
    """The keys hidden when `tables` (every report on the country, always built in the same order) are
    suppressed together. The result depends on nothing but those tables, so every report on the country is
    suppressed alike whichever one is asked for; a wanted table that is not among them (parts other than
    Geography.parts) is added at the end."""
    unique = list(dict.fromkeys(tables))
    # The table of a scope without parts only repeats the scope's row in another table (its line is the row's
    # line, and each of its numbers stands for itself twice): it passes whenever that table does.
    rows_elsewhere = {key for table in unique if not _alone(table) for key in table.row_keys}
    unique = [table for table in unique if not (_alone(table) and table.total_key in rows_elsewhere)]
    known = set(unique)
    return suppress_linked([*unique, *(w for w in dict.fromkeys(wanted) if w not in known)], t)


def _alone(table: LinkedTable) -> bool:
    """The table of a scope without parts: its one row is the scope itself."""
    return table.row_keys == (table.total_key,)


def _organisations(reports: list[tuple[Scope, list[Scope]]]) -> list[int]:
    return sorted({i for scope, rows in reports for s in (scope, *rows) for i in s.organisation_ids})


def raw_counts(metric: Metric, parts: list[Scope], period: Period) -> list[list[int]]:
    """The metric's counts, one row per part and one column per category, straight from the database."""
    counts = _per_organisation(metric, _all_ids([p.organisation_ids for p in parts]), period)
    vector = _summed(counts, len(metric.categories))
    return [list(vector(_node(p))) for p in parts]


def _cache_seconds() -> int:
    return int(getattr(settings, "STATISTICS_CACHE_SECONDS", 300))


def _cache_key(*parts) -> str:
    """A cache key for statistics: the parts' repr hashed (a scope's organisations can be many)."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:40]
    return f"kindred:statistics:{digest}"


def cached(key_parts: tuple, compute: Callable[[], object]):
    """compute(), or its result from the cache when computed within STATISTICS_CACHE_SECONDS, as
    (value, computed_at)."""
    seconds = _cache_seconds()
    if seconds <= 0:
        return compute(), _now()
    key = _cache_key(*key_parts)
    hit = cache.get(key)
    if hit is not None:
        return hit
    value = (compute(), _now())
    cache.set(key, value, seconds)
    return value


def _per_organisation_cached(metric: Metric, period: Period) -> dict[int, list[int]]:
    """Every organisation's counts for the metric (shared by all scopes and reports), cached."""
    value, _at = cached(
        ("counts", metric.key, period.start, period.end), lambda: _per_organisation(metric, None, period)
    )
    return value


def _published(
    metric: Metric, scope: Scope, rows: list[Scope], period: Period, t: int, geography: Geography
) -> tuple[SuppressedTable, datetime]:
    """The metric's table for the scope, suppressed together with every report on the scope's country, and
    when it was computed (it may come from the cache: see the module docstring)."""
    key = ("table", metric.key, period.start, period.end, t, scope.country, _node(scope), tuple(map(_node, rows)))
    return cached(key, lambda: _publish(metric, scope, rows, period, t, geography))


def _publish(
    metric: Metric, scope: Scope, rows: list[Scope], period: Period, t: int, geography: Geography
) -> SuppressedTable:
    reports = geography.reports(scope.country)
    wanted = (scope, rows)
    counts = _per_organisation_cached(metric, period)  # every organisation: the country's reports need them all
    width = len(metric.categories)
    vector = _summed(counts, width)

    def key(node, j):
        return (node, j)

    (table,) = _report_tables([wanted], vector, width, key)
    tables = _report_tables(reports, vector, width, key) + _crossing_tables(
        geography, scope.country, vector, width, key
    )
    return table.suppress(_hidden_together(tables, [table], t), t)


def _crossing_tables(geography: Geography, country: str, vector, width: int, key: Callable) -> list[LinkedTable]:
    """The organisation trees and the geography classify the same organisations two ways, and where a tree
    has units in several municipalities their reports overlap: Stavanger's figures minus the part of a unit's
    tree in Stavanger may give away the unit itself. So each overlap (Geography.overlaps) is suppressed with
    the reports as a table of its own (not published), one per category and one for the totals."""
    tables = []
    for rows, columns, inside in geography.overlaps(country):
        cells = [[tuple(sorted(r & c)) for c in columns] for r in rows]
        row_nodes = [tuple(sorted(r)) for r in rows]
        column_nodes = [tuple(sorted(c)) for c in columns]
        whole = tuple(sorted(inside))
        for j in [*range(width), TOTAL]:

            def value(n, j=j):
                values = vector(n)
                return sum(values) if j is TOTAL else values[j]

            tables.append(
                LinkedTable(
                    counts=tuple(tuple(value(n) for n in row) for row in cells),
                    keys=tuple(tuple(key(n, j) for n in row) for row in cells),
                    row_keys=tuple(key(n, j) for n in row_nodes),
                    column_keys=tuple(key(n, j) for n in column_nodes),
                    total_key=key(whole, j),
                )
            )
    return tables


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
    computed_at: datetime | None = None

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


def figure(
    metric: Metric,
    scope: Scope,
    parts: list[Scope],
    period: Period,
    threshold: int | None = None,
    *,
    geography: Geography | None = None,
) -> Figure:
    """Compute and suppress one metric for the scope (rows: its parts, or the scope itself when it has none),
    together with the reports on every other scope of its country (see the module docstring)."""
    t = threshold or default_threshold()
    rows = parts or [scope]
    geography = geography or scope.geography or Geography()
    current, computed_at = _published(metric, scope, rows, period, t, geography)
    before, _at = _published(metric, scope, rows, period.previous(), t, geography)
    return Figure(
        computed_at=computed_at,
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
    key = ("median_information", period.start, period.end, t, _node(scope))
    return cached(key, lambda: _median(firsts, "days", t, lambda d: d.days))[0]


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
    key = ("median_acceptance", period.start, period.end, t, _node(scope))
    return cached(key, lambda: _median(rows, "days", t, lambda d: round(d.total_seconds() / 86400)))[0]


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


def zone_distribution(
    scope: Scope, period: Period, threshold: int | None = None, *, geography: Geography | None = None
) -> ZoneFigure:
    """Responses by instrument and zone for the scope, suppressed together with the same table for every
    other scope of its country and with each instrument's counts by part of each scope (which the scopes'
    tables add up to), so that a scope's table cannot be read against another's. Cached like the figures."""
    t = threshold or default_threshold()
    geography = geography or scope.geography or Geography()
    key = ("zones", period.start, period.end, t, scope.country, _node(scope))
    value, _at = cached(key, lambda: _zone_distribution(scope, period, t, geography))
    return value


def _zone_distribution(scope: Scope, period: Period, t: int, geography: Geography) -> ZoneFigure:
    from kindred.instruments.models import Response

    reports = geography.reports(scope.country)
    rows = (
        Response.objects.filter(
            _in(period, "answered_on"),
            organisation_id__in=_organisations([*reports, (scope, [scope])]),
            zone_level__isnull=False,
        )
        .values("organisation_id", "instrument__key", "zone_level")
        .annotate(n=Count("pk"))
        .order_by()
    )
    per_org: dict[int, dict[tuple[str, int], int]] = {}
    for row in rows:  # one row per organisation, instrument and zone, never per response
        cell = (row["instrument__key"], row["zone_level"])
        per_org.setdefault(row["organisation_id"], {})[cell] = row["n"]
    everywhere = sorted({cell for cells in per_org.values() for cell in cells})
    all_instruments = sorted({key for key, _level in everywhere})
    all_levels = sorted({level for _key, level in everywhere}) or [1]
    flat = {
        i: [cells.get((k, level), 0) for k in all_instruments for level in all_levels] for i, cells in per_org.items()
    }
    vector = _summed(flat, len(all_instruments) * len(all_levels))
    width = len(all_levels)

    def grid(node: Node) -> list[list[int]]:
        values = vector(node)
        return [values[k * width : (k + 1) * width] for k in range(len(all_instruments))]

    def zone_table(node: Node) -> LinkedTable:
        """The published table of a scope: instruments by zone."""
        return LinkedTable(
            counts=tuple(tuple(r) for r in grid(node)),
            keys=tuple(tuple((node, k, level) for level in all_levels) for k in all_instruments),
            row_keys=tuple((node, k, TOTAL) for k in all_instruments),
            column_keys=tuple((node, TOTAL, level) for level in all_levels),
            total_key=(node, TOTAL, TOTAL),
        )

    # Each instrument's counts by level (and the totals over instruments) are a metric of their own: by part
    # of every scope, and where organisation trees straddle municipalities.
    tables = [zone_table(_node(whole)) for whole, _parts in reports]
    for k, instrument in enumerate([*all_instruments, TOTAL]):

        def by_part(node: Node, k=k) -> list[int]:
            g = grid(node)
            if k < len(g):
                return g[k]
            return [sum(column) for column in zip(*g, strict=True)] if g else [0] * width

        def key(node, j, instrument=instrument):
            return (node, instrument, TOTAL if j == TOTAL else all_levels[j])

        tables += _report_tables(reports, by_part, width, key)
        tables += _crossing_tables(geography, scope.country, by_part, width, key)
    hidden = _hidden_together(tables, [zone_table(_node(scope))], t)
    mine = {cell for i in _node(scope) for cell, n in per_org.get(i, {}).items() if n}
    instruments = sorted({key for key, _level in mine})
    levels = sorted({level for _key, level in mine}) or [1]
    own = grid(_node(scope))
    counts = [[own[all_instruments.index(key)][all_levels.index(level)] for level in levels] for key in instruments]
    node = _node(scope)
    table = LinkedTable(
        counts=tuple(tuple(r) for r in counts),
        keys=tuple(tuple((node, key, level) for level in levels) for key in instruments),
        row_keys=tuple((node, key, TOTAL) for key in instruments),
        column_keys=tuple((node, TOTAL, level) for level in levels),
        total_key=(node, TOTAL, TOTAL),
    ).suppress(hidden, t)
    return ZoneFigure(instruments, levels, table)


@dataclass
class MonthFigure:
    """Self-referrals received per month of the period, by outcome (the categories of the self_referrals metric)."""

    months: list[date]
    categories: tuple[tuple[str, Promise], ...]
    table: SuppressedTable


def self_referrals_by_month(scope: Scope, period: Period, totals: Figure, threshold: int | None = None) -> MonthFigure:
    """One GROUP BY month and outcome. Its column totals are the period's totals by outcome, published in
    `totals` (the self_referrals figure for the same scope and period): what is hidden there is hidden here."""
    from django.db.models.functions import TruncMonth

    from kindred.directory.models import SelfReferral

    t = threshold or default_threshold()
    metric = next(m for m in metrics() if m.key == "self_referrals")
    index = {key: j for j, (key, _label) in enumerate(metric.categories)}
    months, month = [], period.start
    while month <= period.end:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    category = Case(
        When(status=SelfReferral.Status.CONVERTED, then=Value("converted")),
        When(status=SelfReferral.Status.CLOSED, then=Value("closed")),
        default=Value("open"),
    )
    rows = (
        SelfReferral.objects.filter(organisation_id__in=scope.organisation_ids)
        .annotate(
            on=TruncDate("created_at", output_field=DateField()), month=TruncMonth("created_at"), category=category
        )
        .filter(_in(period, "on"))
        .values("month", "category")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = [[0] * len(index) for _month in months]
    position = {m: i for i, m in enumerate(months)}
    for row in rows:  # one row per month and outcome
        day = row["month"].date() if hasattr(row["month"], "date") else row["month"]
        counts[position[day.replace(day=1)]][index[row["category"]]] += row["n"]
    table = suppress_table(
        counts,
        t,
        hidden_column_totals=[j for j, v in enumerate(totals.table.column_totals) if v is None],
        hidden_total=totals.table.total is None,
        total_may_be_hidden=True,
    )
    return MonthFigure(months, metric.categories, table)
