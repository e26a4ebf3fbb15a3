"""Statistics for a region's or a centre's own tools: the same figures as the web pages, through the same
suppression. Every pull is written to the audit trail as an export."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema

from kindred.api_schemas import errors
from kindred.audit.services import Action, record
from kindred.reports import kpis, youth
from kindred.reports.scopes import Geography, Period, Scope, resolve

router = Router(tags=["statistics"])


class ReportQuery(Schema):
    scope: str = Field(
        "",
        max_length=200,
        description="A scope slug: organisation:<id>, municipality:<country>:<number>, "
        "region:<country>:<name> or country:<NO|DK>. Empty: your own organisation (a competence centre: its country).",
    )
    start: str = Field("", alias="from", max_length=7, description="First month, YYYY-MM. Empty: twelve months ago.")
    end: str = Field("", alias="to", max_length=7, description="Last month, YYYY-MM. Empty: last month.")


class ScopeOut(Schema):
    scope: str = Field(description="The scope's slug, to pass back as `scope`; empty for parts that cannot be opened.")
    kind: str = Field(description="organisation, municipality, region, country, or part (a piece of the drill-down).")
    label: str


class CategoryOut(Schema):
    key: str
    label: str
    total: int | None = Field(description="The category's total; null when hidden by small-cell suppression.")


class PartOut(ScopeOut):
    cells: list[int | None] = Field(description="One count per category, in the categories' order; null = hidden.")
    total: int | None


class MetricOut(Schema):
    key: str
    label: str
    section: str
    unit: str
    categories: list[CategoryOut]
    total: int | None = Field(description="The total, rounded to the threshold when small; null when hidden.")
    previous_total: int | None = Field(description="The same for the previous period of equal length.")
    share: float | None = Field(
        description="The headline share (0–1) of the total, when every number it needs is shown."
    )
    previous_share: float | None
    parts: list[PartOut] = Field(description="The drill-down, one row per part of the scope.")


class MonthOut(Schema):
    month: str = Field(description="The month, YYYY-MM.")
    cells: list[int | None] = Field(description="Self-referrals by outcome (open, converted, closed); null = hidden.")
    total: int | None


class KpisOut(Schema):
    scope: ScopeOut
    parent: ScopeOut | None
    start: str = Field(description="First month, YYYY-MM.")
    end: str = Field(description="Last month, YYYY-MM.")
    threshold: int = Field(description="Counts from 1 below this number are hidden.")
    median_days_to_information: int | None = Field(
        description="Median days from episode start to a child's first information."
    )
    median_days_to_acceptance: int | None = Field(
        description="Median days from a referral being sent to its acceptance."
    )
    metrics: list[MetricOut]
    self_referrals_by_month: list[MonthOut] = Field(description="Self-referrals received per month, by outcome.")


class YouthRowOut(Schema):
    key: str
    label: str
    yes: int | None
    no: int | None
    unanswered: int | None
    share: float | None = Field(description="Share (0–1) of all respondents answering yes; null when hidden.")
    average_years: float | None


class YouthOut(Schema):
    scope: ScopeOut
    start: str
    end: str
    threshold: int
    respondents: int | None
    rows: list[YouthRowOut]


def _period(query: ReportQuery) -> Period:
    if not query.start and not query.end:
        return Period.default()
    try:
        return Period.months(query.start, query.end)
    except ValidationError as error:
        raise ValidationError({"from": error.messages}) from None


def _scope_out(geography: Geography, scope: Scope) -> dict:
    return {"scope": "" if scope.kind == "part" else geography.slug(scope), "kind": scope.kind, "label": scope.label}


def _audit(request, geography: Geography, scope: Scope, period: Period, what: str) -> None:
    record(
        request.actor,
        Action.EXPORT,
        object_type=f"reports.{what}",
        object_id=geography.slug(scope),
        details={"scope": geography.slug(scope), "from": period.first_month, "to": period.last_month, "via": "api"},
    )


@router.get("/statistics/kpis", response={200: KpisOut, **errors(404)}, summary="Key figures for a scope and period")
def key_figures(request, query: Query[ReportQuery]):
    """Every key figure for the scope and period, with the previous period and the drill-down, suppressed exactly
    as on the statistics pages."""
    period = _period(query)
    geography, scope = resolve(request.actor, query.scope or None)
    parts = geography.parts(scope)
    metrics, months = [], []
    for metric in kpis.metrics():
        figure = kpis.figure(metric, scope, parts, period)
        if metric.key == "self_referrals":
            by_month = kpis.self_referrals_by_month(scope, period, figure)
            months = [
                {
                    "month": f"{month:%Y-%m}",
                    "cells": list(by_month.table.cells[i]),
                    "total": by_month.table.row_totals[i],
                }
                for i, month in enumerate(by_month.months)
            ]
        metrics.append(
            {
                "key": metric.key,
                "label": str(metric.label),
                "section": metric.section,
                "unit": str(metric.unit),
                "categories": [{"key": k, "label": str(label), "total": t} for k, label, t in figure.category_totals],
                "total": figure.rounded_total,
                "previous_total": figure.previous_rounded_total,
                "share": figure.share,
                "previous_share": figure.previous_share,
                "parts": [
                    {
                        **_scope_out(geography, part),
                        "cells": list(figure.table.cells[i]),
                        "total": figure.table.row_totals[i],
                    }
                    for i, part in enumerate(figure.parts)
                ],
            }
        )
    parent = geography.parent(scope)
    _audit(request, geography, scope, period, "kpis")
    return {
        "scope": _scope_out(geography, scope),
        "parent": _scope_out(geography, parent) if parent else None,
        "start": period.first_month,
        "end": period.last_month,
        "threshold": kpis.default_threshold(),
        "median_days_to_information": kpis.median_days_to_information(scope, period),
        "median_days_to_acceptance": kpis.median_days_to_acceptance(scope, period),
        "metrics": metrics,
        "self_referrals_by_month": months,
    }


@router.get(
    "/statistics/young-people", response={200: YouthOut, **errors(404)}, summary="The young people's intake report"
)
def young_people(request, query: Query[ReportQuery]):
    """The published-survey style table over the intake questionnaire for young people, suppressed."""
    period = _period(query)
    geography, scope = resolve(request.actor, query.scope or None)
    report = youth.youth_report(scope, period)
    _audit(request, geography, scope, period, "youth")
    return {
        "scope": _scope_out(geography, scope),
        "start": period.first_month,
        "end": period.last_month,
        "threshold": report.threshold,
        "respondents": report.respondents,
        "rows": [{**row.__dict__, "label": str(row.label)} for row in report.rows],
    }
