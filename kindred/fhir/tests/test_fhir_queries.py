"""No N+1 queries: a searchset page costs the same number of queries whether it holds one family's records or three
families' (the audit rows are one insert per page)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kindred.fhir.tests.conftest import build_family
from kindred.fhir.tests.test_fhir_read_search import TYPES, searchset


def queries_for(fhir, resource_type: str, params: dict) -> tuple[int, int]:
    fhir.get(resource_type, params)  # the token's first use of the minute writes its last-used time
    with CaptureQueriesContext(connection) as captured:
        # 50 rows: SQLite splits an insert of more audit rows into batches, which is not an N+1.
        bundle = searchset(fhir.get(resource_type, {**params, "_count": 50}))
    return len(captured), len(bundle.get("entry", []))


@pytest.mark.parametrize("resource_type", [t for t in TYPES if t != "RelatedPerson"])
def test_a_page_costs_the_same_queries_however_many_rows(world, fhir_for, resource_type):
    build_family(world)
    fhir = fhir_for(world.coordinator)
    few, few_rows = queries_for(fhir, resource_type, {})

    build_family(world, 1)
    build_family(world, 2)
    many, many_rows = queries_for(fhir, resource_type, {})

    if resource_type != "Questionnaire":
        assert many_rows > few_rows
    assert many == few, f"{resource_type}: {few} queries for {few_rows} rows, {many} for {many_rows}"


def test_related_persons_cost_the_same_queries_however_many(world, fhir_for):
    first = build_family(world)
    fhir = fhir_for(world.coordinator)
    few, few_rows = queries_for(fhir, "RelatedPerson", {"patient": first.children[0].pk})
    many, many_rows = queries_for(fhir, "RelatedPerson", {"patient": first.patient.pk})
    assert many_rows > few_rows
    assert many == few
