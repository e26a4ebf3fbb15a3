"""The statistics pages under /statistics/: a dashboard of the key figures for one scope and period, one
figure in detail, the young people's survey-style report, and their exports.

Every page needs Capability.VIEW_STATISTICS; which scopes a member may open is decided by
kindred.reports.scopes.resolve (their organisation and its sub-units; a competence centre also its whole
country). Every number shown or exported comes from kindred.reports.kpis / youth, already through the one
suppression rule: nothing here counts anything, and no page lists persons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from kindred.audit.services import Action, record
from kindred.orgs.actors import Actor
from kindred.orgs.decorators import requires
from kindred.orgs.models import Capability
from kindred.reports import exports, kpis, scopes
from kindred.reports.charts import bar_chart
from kindred.reports.forms import PeriodForm
from kindred.reports.suppression import SuppressedTable, default_threshold
from kindred.reports.youth import youth_report

SECTIONS = [
    ("children", gettext_lazy("The children")),
    ("cooperation", gettext_lazy("Cooperation")),
    ("programmes", gettext_lazy("Programmes and self-referrals")),
]
EXPORT_FORMATS = ("csv", "xlsx")


# --- The filter: scope and period ---------------------------------------------------------------------------


@dataclass
class Filter:
    """What every statistics page is about: the scope (checked), its drill-down and the period."""

    actor: Actor
    geography: scopes.Geography
    scope: scopes.Scope
    parts: list[scopes.Scope]
    period: scopes.Period
    form: PeriodForm
    threshold: int

    @property
    def slug(self) -> str:
        return self.geography.slug(self.scope)

    def query(self, scope: scopes.Scope | None = None, **extra) -> str:
        target = self.scope if scope is None else scope
        params = {
            "scope": self.geography.slug(target),
            "from_month": self.period.first_month,
            "to_month": self.period.last_month,
            **extra,
        }
        return urlencode(params)

    def link(self, view: str, scope: scopes.Scope | None = None, args=(), **extra) -> str:
        return f"{reverse(view, args=args)}?{self.query(scope, **extra)}"

    def may_open(self, scope: scopes.Scope) -> bool:
        return scope.kind != "part" and scopes.may_see(self.actor, self.geography, scope)

    def trail(self) -> list[scopes.Scope]:
        """The scopes above this one that the member may open, outermost first."""
        above: list[scopes.Scope] = []
        seen = {self.slug}
        parent = self.geography.parent(self.scope)
        while parent is not None and self.geography.slug(parent) not in seen:
            if not scopes.may_see(self.actor, self.geography, parent):
                break
            seen.add(self.geography.slug(parent))
            above.append(parent)
            parent = self.geography.parent(parent)
        return list(reversed(above))


def _filter(request) -> Filter:
    try:
        geography, scope = scopes.resolve(request.actor, request.GET.get("scope") or None)
    except PermissionError:
        raise PermissionDenied from None
    form = PeriodForm(request.GET)
    return Filter(
        actor=request.actor,
        geography=geography,
        scope=scope,
        parts=geography.parts(scope),
        period=form.chosen,
        form=form,
        threshold=default_threshold(),
    )


def part_heading(scope: scopes.Scope) -> str:
    return {
        "country": _("Region"),
        "region": _("Municipality"),
        "municipality": _("Organisation"),
        "organisation": _("Unit"),
    }.get(scope.kind, _("Part"))


def hidden_text() -> str:
    return _("hidden")


def legend(threshold: int) -> str:
    return _(
        "– means hidden: a number from 1 to %(last)s, or a number hidden along with one so that it cannot be "
        "worked out from the totals."
    ) % {"last": threshold - 1}


def threshold_note(threshold: int) -> str:
    return _(
        "Numbers under %(threshold)s are hidden, and totals under %(rounded)s are rounded to a multiple of "
        "%(threshold)s, so that no one can be recognised from the statistics."
    ) % {"threshold": threshold, "rounded": 4 * threshold}


# --- Presenting one figure ------------------------------------------------------------------------------------


@dataclass
class TableView:
    """A published table as rows for the template and the exports."""

    caption: str
    row_heading: str
    columns: list[str]
    rows: list[dict]
    column_totals: tuple
    total: int | None
    show_totals: bool = True
    hidden: bool = False


def table_view(
    caption: str,
    row_heading: str,
    columns: list[str],
    labels: list[tuple[str, str | None]],
    table: SuppressedTable,
) -> TableView:
    rows = [
        {"label": label, "link": link, "cells": cells, "total": total}
        for (label, link), cells, total in zip(labels, table.cells, table.row_totals, strict=True)
    ]
    return TableView(
        caption=caption,
        row_heading=row_heading,
        columns=columns,
        rows=rows,
        column_totals=table.column_totals,
        total=table.total,
        show_totals=len(rows) > 1,
        hidden=table.hidden_count > 0,
    )


def _percent(share: float | None) -> int | None:
    return None if share is None else round(share * 100)


def _change_text(now: int | None, before: int | None, *, points: bool = False) -> str:
    """The change in words (never only a colour or an arrow)."""
    if now is None or before is None:
        return _("No comparison: one of the numbers is hidden.")
    difference = now - before
    if difference == 0:
        return _("Unchanged from the previous period")
    n = abs(difference)
    if points:
        if difference > 0:
            return _("Up %(n)s percentage points from the previous period") % {"n": n}
        return _("Down %(n)s percentage points from the previous period") % {"n": n}
    if difference > 0:
        return _("Up %(n)s from the previous period") % {"n": n}
    return _("Down %(n)s from the previous period") % {"n": n}


def _direction(now: int | None, before: int | None) -> str:
    if now is None or before is None:
        return ""
    return "up" if now > before else ("down" if now < before else "same")


@dataclass
class Median:
    label: str
    days: int | None


@dataclass
class FigureView:
    figure: kpis.Figure
    metric: kpis.Metric
    table: TableView
    previous_table: TableView
    chart: object
    share_label: str = ""
    share: int | None = None
    previous_share: int | None = None
    share_change: str = ""
    share_direction: str = ""
    change: str = ""
    direction: str = ""
    medians: list[Median] = field(default_factory=list)
    link: str = ""


def _median_for(metric: kpis.Metric, f: Filter) -> list[Median]:
    if metric.key == "children_informed":
        days = kpis.median_days_to_information(f.scope, f.period, f.threshold)
        return [Median(_("Median days from the start of the episode to the child's first information"), days)]
    if metric.key == "referrals":
        days = kpis.median_days_to_acceptance(f.scope, f.period, f.threshold)
        return [Median(_("Median days from sending a referral to its acceptance"), days)]
    return []


def present(metric: kpis.Metric, f: Filter, view: str = "reports:dashboard") -> FigureView:
    figure = kpis.figure(metric, f.scope, f.parts, f.period, f.threshold)
    labels = []
    for part in figure.parts:
        link = None
        if part != f.scope and f.may_open(part):
            link = f.link(view, part, args=(metric.key,) if view == "reports:metric" else ())
        labels.append((part.label, link))
    columns = [str(label) for _key, label, _n in figure.category_totals]
    heading = part_heading(f.scope) if f.parts else _("Scope")
    current = table_view(
        _("%(metric)s, %(period)s") % {"metric": metric.label, "period": f.period},
        heading,
        columns,
        labels,
        figure.table,
    )
    previous = table_view(
        _("%(metric)s, previous period %(period)s") % {"metric": metric.label, "period": f.period.previous()},
        heading,
        columns,
        [(label, None) for label, _link in labels],
        figure.previous,
    )
    chart = bar_chart(
        f"chart-{metric.key}",
        _("%(metric)s by category, %(period)s") % {"metric": metric.label, "period": f.period},
        [(str(label), n) for _key, label, n in figure.category_totals],
        hidden_text(),
    )
    result = FigureView(
        figure=figure,
        metric=metric,
        table=current,
        previous_table=previous,
        chart=chart,
        change=_change_text(figure.rounded_total, figure.previous_rounded_total),
        direction=_direction(figure.rounded_total, figure.previous_rounded_total),
        medians=_median_for(metric, f),
        link=f.link("reports:metric", args=(metric.key,)),
    )
    if metric.share_of:
        names = [str(label) for key, label in metric.categories if key in metric.share_of]
        result.share_label = get_text_list(names, _("or"))
        result.share = _percent(figure.share)
        result.previous_share = _percent(figure.previous_share)
        result.share_change = _change_text(result.share, result.previous_share, points=True)
        result.share_direction = _direction(result.share, result.previous_share)
    return result


def _instrument_titles(keys: list[str]) -> dict[str, str]:
    """Each instrument key's title in the current language, from its newest version (one query)."""
    from kindred.instruments.models import Instrument
    from kindred.instruments.services import parsed_definition

    if not keys:
        return {}
    language = (translation.get_language() or "nb")[:2]
    titles: dict[str, str] = {}
    for instrument in Instrument.objects.filter(key__in=keys).order_by("key", "organisation_id", "-version"):
        if instrument.key not in titles:
            try:
                titles[instrument.key] = str(parsed_definition(instrument).title.get(language))
            except Exception:  # a broken definition still has a key to show
                titles[instrument.key] = instrument.key
    return titles


def zone_view(f: Filter) -> TableView:
    zones = kpis.zone_distribution(f.scope, f.period, f.threshold)
    titles = _instrument_titles(zones.instruments)
    return table_view(
        _("Instrument responses by zone, %(period)s") % {"period": f.period},
        _("Instrument"),
        [_("Level %(level)s") % {"level": level} for level in zones.levels],
        [(titles.get(key, key), None) for key in zones.instruments],
        zones.table,
    )


def month_view(f: Filter, sections: list) -> TableView | None:
    """Self-referrals per month by outcome, suppressed against the period's totals shown in the card above."""
    item = next((i for section in sections for i in section.figures if i.metric.key == "self_referrals"), None)
    if item is None:
        return None
    months = kpis.self_referrals_by_month(f.scope, f.period, item.figure, f.threshold)
    return table_view(
        _("Self-referrals per month, %(period)s") % {"period": f.period},
        _("Month"),
        [str(label) for _key, label in months.categories],
        [(date_format(month, "YEAR_MONTH_FORMAT"), None) for month in months.months],
        months.table,
    )


@dataclass
class Section:
    key: str
    title: str
    figures: list[FigureView]


def dashboard_sections(f: Filter) -> list[Section]:
    by_section: dict[str, list[kpis.Metric]] = {}
    for metric in kpis.metrics():
        by_section.setdefault(metric.section, []).append(metric)
    return [
        Section(key, str(title), [present(m, f) for m in by_section.get(key, [])])
        for key, title in SECTIONS
        if by_section.get(key)
    ]


def _freshness(figures: list[kpis.Figure]) -> dict:
    """When the oldest of the figures was computed, when they may come from the cache (kindred.reports.kpis)."""
    seconds = getattr(settings, "STATISTICS_CACHE_SECONDS", 300)
    times = [figure.computed_at for figure in figures if figure.computed_at]
    if seconds <= 0 or not times:
        return {}
    return {"computed_at": min(times), "cache_minutes": max(1, round(seconds / 60))}


def _base_context(request, f: Filter, page: str, page_args: tuple = (), **extra) -> dict:
    """What every statistics page shows around its figures: the filter, the scope trail and the notes."""
    printing = request.GET.get("print") == "1"
    return {
        "f": f,
        "scope": f.scope,
        "period": f.period,
        "form": f.form,
        "trail": [(s, f.link(page, s, args=page_args)) for s in f.trail()],
        "threshold_note": threshold_note(f.threshold),
        "legend": legend(f.threshold),
        "hidden_text": hidden_text(),
        "print_view": printing,
        "base_template": "reports/print_base.html" if printing else "base.html",
        "print_link": f.link(page, args=page_args, print="1"),
        "screen_link": f.link(page, args=page_args),
        "form_action": reverse(page, args=page_args),
        **extra,
    }


# --- Pages ----------------------------------------------------------------------------------------------------


@requires(Capability.VIEW_STATISTICS)
def dashboard(request):
    f = _filter(request)
    sections = dashboard_sections(f)
    context = _base_context(
        request,
        f,
        "reports:dashboard",
        sections=sections,
        months=month_view(f, sections),
        zones=zone_view(f),
        export_csv=f.link("reports:export", args=("csv",)),
        export_xlsx=f.link("reports:export", args=("xlsx",)),
        youth_link=f.link("reports:youth"),
        **_freshness([item.figure for section in sections for item in section.figures]),
    )
    return render(request, "reports/dashboard.html", context)


@requires(Capability.VIEW_STATISTICS)
def metric(request, key: str):
    metric = kpis.get_metric(key)
    if metric is None:
        raise Http404
    f = _filter(request)
    item = present(metric, f, view="reports:metric")
    section = next((str(title) for k, title in SECTIONS if k == metric.section), "")
    context = _base_context(
        request,
        f,
        "reports:metric",
        page_args=(key,),
        item=item,
        **_freshness([item.figure]),
        section_title=section,
        dashboard_link=f.link("reports:dashboard"),
    )
    return render(request, "reports/metric.html", context)


@requires(Capability.VIEW_STATISTICS)
def youth(request):
    f = _filter(request)
    report = youth_report(f.scope, f.period, f.threshold)
    rows = [{"row": row, "percent": _percent(row.share)} for row in report.rows]
    context = _base_context(
        request,
        f,
        "reports:youth",
        report=report,
        rows=rows,
        respondents_text=respondents_text(report.respondents, f.threshold),
        year_questions=exports.YEAR_QUESTIONS,
        threshold=f.threshold,
        dashboard_link=f.link("reports:dashboard"),
        export_csv=f.link("reports:youth_export", args=("csv",)),
        export_xlsx=f.link("reports:youth_export", args=("xlsx",)),
    )
    return render(request, "reports/youth.html", context)


def respondents_text(respondents: int | None, threshold: int) -> str:
    if respondents is None:
        return _("Fewer than %(n)s young people filled in the questionnaire.") % {"n": threshold}
    return ngettext(
        "%(n)s young person filled in the questionnaire.",
        "%(n)s young people filled in the questionnaire.",
        respondents,
    ) % {"n": respondents}


def _check_format(fmt: str) -> None:
    if fmt not in EXPORT_FORMATS:
        raise Http404


def _audit_export(request, f: Filter, fmt: str, object_type: str) -> None:
    record(
        request.actor,
        Action.EXPORT,
        None,
        object_type=object_type,
        object_id=f.slug,
        details={"scope": f.slug, "period": f"{f.period.first_month}/{f.period.last_month}", "format": fmt},
    )


@requires(Capability.VIEW_STATISTICS)
def export(request, fmt: str):
    _check_format(fmt)
    f = _filter(request)
    sections = dashboard_sections(f)
    zones = zone_view(f)
    rows_by_sheet = exports.dashboard_sheets(f, sections, zones, month_view(f, sections))
    _audit_export(request, f, fmt, "reports.kpis")
    return exports.respond(rows_by_sheet, exports.filename("statistics", f, fmt), fmt)


@requires(Capability.VIEW_STATISTICS)
def youth_export(request, fmt: str):
    _check_format(fmt)
    f = _filter(request)
    report = youth_report(f.scope, f.period, f.threshold)
    sheets = exports.youth_sheets(f, report, respondents_text(report.respondents, f.threshold))
    _audit_export(request, f, fmt, "reports.youth")
    return exports.respond(sheets, exports.filename("young-people", f, fmt), fmt)
