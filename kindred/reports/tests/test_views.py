"""The statistics pages: figures for the member's scope, hidden small numbers, drill-down, period choice,
exports (after suppression, with an audit row each) and which scopes a member may open."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from kindred.audit.models import AccessLog
from kindred.care.models import ChildrenAnswer, Episode
from kindred.directory.models import HelpOffer, Relation, SelfReferral, YouthIntake
from kindred.orgs.models import Municipality, Organisation, Role
from kindred.people.models import Person
from kindred.reports.scopes import Period
from kindred.testing import make_user

pytestmark = pytest.mark.django_db

MONTHS = {"from_month": "2025-01", "to_month": "2025-06"}
STARTED = date(2025, 3, 10)


@pytest.fixture(autouse=True)
def _threshold(settings):
    settings.STATS_SUPPRESSION_THRESHOLD = 3


def episodes(organisation: Organisation, *, within: int = 0, later: int = 0, unanswered: int = 0, on=STARTED):
    """Episodes started on `on`: answered within 7 days, answered later, or not answered."""
    made = []
    for kind, count in (("within", within), ("later", later), ("unanswered", unanswered)):
        for _n in range(count):
            patient = Person.objects.create(birth_year=1980)
            answered_at = None
            if kind != "unanswered":
                days = 2 if kind == "within" else 20
                answered_at = timezone.make_aware(datetime.combine(on + timedelta(days=days), time(12)))
            made.append(
                Episode.objects.create(
                    patient=patient,
                    organisation=organisation,
                    kind=Episode.Kind.OUTPATIENT,
                    started_on=on,
                    children_answer=ChildrenAnswer.NOT_ASKED if kind == "unanswered" else ChildrenAnswer.NONE,
                    answered_at=answered_at,
                )
            )
    return made


def sub_unit(world, name: str = "Solberg poliklinikk") -> Organisation:
    return Organisation.objects.create(
        name=name, kind=Organisation.Kind.SPECIALIST_UNIT, municipality_number="1103", parent=world.unit
    )


def url(name: str = "reports:dashboard", *args, **params) -> str:
    from urllib.parse import urlencode

    query = urlencode({**MONTHS, **params})
    return f"{reverse(name, args=args)}?{query}"


@pytest.fixture
def data(world):
    sub = sub_unit(world)
    episodes(world.unit, within=6, unanswered=1)
    episodes(sub, within=4, later=2)
    return sub


def _children_question(response):
    sections = response.context["sections"]
    return next(i for s in sections for i in s.figures if i.metric.key == "children_question")


def test_unit_analyst_sees_the_unit_dashboard_with_hidden_small_numbers(world, data):
    response = world.client_for(world.analyst).get(url())
    assert response.status_code == 200
    item = _children_question(response)
    assert response.context["scope"].label == world.unit.name
    # 13 new episodes: the one not answered and the two answered late are hidden, and with them the numbers
    # they could be worked out from; so is the share answered, which needs the hidden "answered later".
    assert item.table.total == 13
    assert item.figure.rounded_total == 13
    assert [row["cells"] for row in item.table.rows] == [(None, 0, None), (None, None, 0)]
    assert [row["total"] for row in item.table.rows] == [7, 6]
    assert item.table.column_totals == (10, None, None)
    assert item.share is None
    content = response.content.decode()
    assert 'data-suppressed="true"' in content
    assert "–" in content
    assert 'data-testid="threshold-note"' in content
    assert 'data-testid="stat-chart"' in content and '<title id="chart-children_question-title">' in content
    # Every section is there.
    for key in ("children", "cooperation", "programmes", "instruments"):
        assert f'data-testid="section-{key}"' in content


def test_card_shows_share_previous_period_and_change(world):
    episodes(world.unit, within=5, later=4, unanswered=3)
    episodes(world.unit, within=3, on=date(2024, 10, 1))  # the previous period: July–December 2024
    response = world.client_for(world.analyst).get(url())
    item = _children_question(response)
    assert [row["label"] for row in item.table.rows] == [world.unit.name]  # no sub-units: one row
    assert item.figure.rounded_total == 12
    assert item.share == 75
    assert item.figure.previous_rounded_total == 3
    assert item.previous_share == 100
    assert item.direction == "up"
    assert item.share_direction == "down"
    with translation.override("nb"):
        up = gettext("Up %(n)s from the previous period") % {"n": 9}
        down = gettext("Down %(n)s percentage points from the previous period") % {"n": 25}
    assert item.change == up
    assert item.share_change == down
    content = response.content.decode()
    assert "75 %" in content and "▲" in content and "▼" in content


def test_drill_down_links_to_sub_units_and_back(world, data):
    client = world.client_for(world.analyst)
    response = client.get(url())
    item = _children_question(response)
    labels = [row["label"] for row in item.table.rows]
    assert labels[1] == data.name
    link = item.table.rows[1]["link"]
    assert f"scope=organisation%3A{data.pk}" in link
    assert item.table.rows[0]["link"] is None  # "the unit itself" is not a scope of its own
    assert link.replace("&", "&amp;") in response.content.decode()

    sub_page = client.get(link)
    assert sub_page.status_code == 200
    assert sub_page.context["scope"].label == data.name
    sub_item = _children_question(sub_page)
    assert sub_item.table.total == 6
    # The trail leads back to the unit.
    assert [scope.label for scope, _link in sub_page.context["trail"]] == [world.unit.name]


def test_the_period_is_chosen_with_months(world, data):
    client = world.client_for(world.analyst)
    response = client.get(url(from_month="2024-01", to_month="2024-06"))
    assert response.context["period"] == Period.months("2024-01", "2024-06")
    assert _children_question(response).table.total == 0
    # The episodes of March 2025 are the previous period of July–December 2025.
    later = client.get(url(from_month="2025-07", to_month="2025-12"))
    item = _children_question(later)
    assert item.table.total == 0
    assert item.previous_table.total == 13
    assert item.direction == "down"
    assert "13" in later.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from_month": "2025-13", "to_month": "2025-06"}, "Give the months as YYYY-MM, for example 2026-01."),
        ({"from_month": "januar", "to_month": "2025-06"}, "Give the months as YYYY-MM, for example 2026-01."),
        ({"from_month": "2025-06", "to_month": "2025-01"}, "The period must end after it starts."),
        ({"from_month": "2001-01", "to_month": "2025-01"}, "A period can be at most five years."),
    ],
)
def test_bad_months_give_a_message_and_the_default_period(world, data, params, message):
    response = world.client_for(world.analyst).get(url(**params))
    assert response.status_code == 200
    with translation.override("nb"):
        expected = gettext(message)
    assert expected in response.content.decode()
    assert response.context["period"] == Period.default()
    assert 'aria-invalid="true"' in response.content.decode()


def test_invalid_scope_is_not_found(world, data):
    client = world.client_for(world.analyst)
    for scope in ("nonsense", "organisation:abc", "organisation:999999", "municipality:NO:0000", "country:SE"):
        assert client.get(url(scope=scope)).status_code == 404, scope


def test_metric_page_with_previous_period(world, data):
    client = world.client_for(world.analyst)
    response = client.get(url("reports:metric", "children_question"))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-testid="previous-table"' in content
    assert response.context["item"].table.total == 13
    # Drill-down from a metric page stays on the metric.
    link = response.context["item"].table.rows[1]["link"]
    assert link.startswith(reverse("reports:metric", args=["children_question"]))
    assert client.get(url("reports:metric", "no_such_metric")).status_code == 404


def test_printable_version_has_no_navigation_or_form(world, data):
    response = world.client_for(world.analyst).get(url(print="1"))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-testid="filter-form"' not in content
    assert 'class="k-nav"' not in content
    assert 'data-testid="stat-table"' in content
    assert "<script" not in content


def test_no_inline_styles_or_scripts_and_no_localised_svg_numbers(world, data):
    content = world.client_for(world.analyst).get(url()).content.decode()
    assert " style=" not in content
    assert "<script>" not in content and "onclick" not in content
    # Norwegian decimal commas would break the SVG's coordinates.
    svg = content[content.index("<svg") : content.rindex("</svg>")]
    assert not re.search(r'(x|y|x2|y2|width|height)="-?\d+,\d', svg)


def test_instrument_zones_table(world):
    from kindred.instruments.models import Instrument, Response
    from kindred.instruments.services import parsed_definition, sync_builtin_instruments

    sync_builtin_instruments()
    instrument = Instrument.objects.filter(organisation__isnull=True, key="audit").order_by("-version").first()
    for level, n in ((0, 4), (2, 3)):
        for _i in range(n):
            Response.objects.create(
                instrument=instrument,
                organisation=world.unit,
                answers={},
                scores={},
                zone=f"z{level}",
                zone_level=level,
                answered_on=date(2025, 4, 1),
            )
    response = world.client_for(world.analyst).get(url())
    zones = response.context["zones"]
    with translation.override("nb"):
        title = str(parsed_definition(instrument).title.get("nb"))
    assert [row["label"] for row in zones.rows] == [title]
    assert zones.rows[0]["cells"] == (4, 3)
    assert len(zones.columns) == 2  # levels 0 and 2
    assert 'data-testid="zone-table"' in response.content.decode()


def test_dashboard_query_count_is_bounded(world, data, django_assert_max_num_queries):
    for n in range(3):
        sub_unit(world, f"Underavdeling {n}")
    client = world.client_for(world.analyst)
    client.get(url())  # warm the session
    with django_assert_max_num_queries(60):
        response = client.get(url())
    assert response.status_code == 200


def _xlsx_numbers(content: bytes) -> list[tuple[str, object]]:
    book = load_workbook(io.BytesIO(content))
    values = []
    for sheet in book.worksheets[1:]:  # the first sheet describes the report
        for row in sheet.iter_rows(values_only=True):
            values += [(sheet.title, v) for v in row if v is not None]
    return values


def test_export_xlsx_is_suppressed_and_audited(world, data):
    response = world.client_for(world.analyst).get(url("reports:export", "xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    disposition = response["Content-Disposition"]
    assert f"organisation-no-{world.unit.pk}" in disposition and "2025-01-2025-06.xlsx" in disposition
    values = _xlsx_numbers(response.content)
    numbers = [v for _sheet, v in values if isinstance(v, int | float)]
    assert 13 in numbers
    assert all(v == 0 or v >= 3 for v in numbers), numbers
    assert any(v == "–" for _sheet, v in values)
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.worksheets) >= 4
    rows = AccessLog.objects.filter(action=AccessLog.Action.EXPORT, user=world.analyst)
    assert rows.count() == 1
    row = rows.get()
    assert row.object_type == "reports.kpis"
    assert row.object_id == f"organisation:{world.unit.pk}"
    assert row.subject is None
    assert row.details == {"scope": f"organisation:{world.unit.pk}", "period": "2025-01/2025-06", "format": "xlsx"}


def test_export_csv_is_suppressed_and_audited(world, data):
    client = world.client_for(world.analyst)
    response = client.get(url("reports:export", "csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert any(world.unit.name in row for row in rows)
    assert any("–" in row for row in rows)
    assert AccessLog.objects.filter(action="export", object_type="reports.kpis", details__format="csv").count() == 1
    # A second export is a second row.
    client.get(url("reports:export", "xlsx"))
    assert AccessLog.objects.filter(action="export", object_type="reports.kpis").count() == 2


def test_unknown_export_format_is_not_found(world, data):
    client = world.client_for(world.analyst)
    assert client.get("/statistics/export.pdf").status_code == 404
    assert not AccessLog.objects.filter(action="export").exists()


def _youth(organisation: Organisation, n: int, **answers) -> None:
    offer = HelpOffer.objects.create(
        organisation=organisation, provider="Solberg", name="Ung", summary="Samtaler", country="NO"
    )
    for _i in range(n):
        referral = SelfReferral.objects.create(
            offer=offer,
            organisation=organisation,
            help_wanted="Hjelp",
            age=19,
            relation=Relation.PARENT,
            contact_method=SelfReferral.ContactMethod.CALL,
            phone="91234567",
            consented_at=timezone.now(),
        )
        YouthIntake.objects.create(
            self_referral=referral, organisation=organisation, created_on=date(2025, 2, 1), **answers
        )


def test_youth_report_and_its_exports(world):
    _youth(world.unit, 6, father_problem=True, years_affected=10)
    _youth(world.unit, 3, father_problem=False)
    _youth(world.unit, 1)
    client = world.client_for(world.analyst)
    response = client.get(url("reports:youth"))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-testid="youth-table"' in content
    assert 'data-testid="youth-explanation"' in content
    report = response.context["report"]
    assert report.respondents == 9  # 10 rounded to a multiple of 3
    rows = {r["row"].key: r for r in response.context["rows"]}
    assert rows["father"]["row"].yes == 6 and rows["father"]["percent"] == 60
    assert rows["father"]["row"].no is None and rows["father"]["row"].unanswered is None  # 3 and 1: hidden
    assert rows["years"]["row"].average_years == 10.0

    export = client.get(url("reports:youth_export", "xlsx"))
    assert export.status_code == 200
    book = load_workbook(io.BytesIO(export.content))
    values = [v for row in book.active.iter_rows(values_only=True) for v in row if v is not None]
    assert "–" in values
    assert AccessLog.objects.filter(action="export", object_type="reports.youth").count() == 1
    assert client.get(url("reports:youth_export", "csv")).status_code == 200
    assert AccessLog.objects.filter(action="export", object_type="reports.youth").count() == 2


def test_youth_report_hides_everything_under_the_threshold(world):
    _youth(world.unit, 2, father_problem=True)
    response = world.client_for(world.analyst).get(url("reports:youth"))
    assert response.context["report"].respondents is None
    assert all(r["row"].yes is None for r in response.context["rows"])


# --- Who may open which scope -------------------------------------------------------------------------------


@pytest.fixture
def country(world):
    Municipality.objects.create(country="NO", number="1103", name="Stavanger", region="Rogaland")
    Municipality.objects.create(country="NO", number="4601", name="Bergen", region="Vestland")
    centre = Organisation.objects.create(
        name="Kompetansesenteret", kind=Organisation.Kind.COMPETENCE_CENTRE, municipality_number="1103"
    )
    analyst = make_user("kari@example.no", "Kari Kompetanse", centre, Role.ANALYST)
    episodes(world.unit, within=5)
    episodes(world.other, within=4)
    return analyst


def test_competence_centre_opens_country_region_and_municipality(world, country):
    client = world.client_for(country)
    home = client.get(url())
    assert home.status_code == 200
    assert home.context["scope"].kind == "country"
    item = _children_question(home)
    assert [row["label"] for row in item.table.rows] == ["Rogaland", "Vestland"]
    assert item.table.total == 9
    region_link = item.table.rows[0]["link"]
    assert "scope=region%3ANO%3ARogaland" in region_link

    region = client.get(region_link)
    assert region.status_code == 200
    region_item = _children_question(region)
    assert [row["label"] for row in region_item.table.rows] == ["Stavanger"]
    assert [s.label for s, _link in region.context["trail"]] == ["Norge"]

    municipality = client.get(region_item.table.rows[0]["link"])
    assert municipality.status_code == 200
    labels = [row["label"] for row in _children_question(municipality).table.rows]
    assert world.unit.name in labels and "Kompetansesenteret" in labels

    assert client.get(url(scope=f"organisation:{world.other.pk}")).status_code == 200
    assert client.get(url(scope="country:DK")).status_code == 404
    export = client.get(url("reports:export", "csv", scope="region:NO:Rogaland"))
    assert export.status_code == 200
    assert AccessLog.objects.get(action="export").object_id == "region:NO:Rogaland"


def test_unit_analyst_cannot_open_the_country_or_another_organisation(world, country):
    client = world.client_for(world.analyst)
    assert client.get(url()).context["scope"].kind == "organisation"
    for scope in ("country:NO", "region:NO:Rogaland", "municipality:NO:1103", f"organisation:{world.other.pk}"):
        assert client.get(url(scope=scope)).status_code == 404, scope
        assert client.get(url("reports:export", "csv", scope=scope)).status_code == 404, scope
        assert client.get(url("reports:youth", scope=scope)).status_code == 404, scope
    assert not AccessLog.objects.filter(action="export").exists()
    # No parent scope is offered in the trail either.
    assert client.get(url()).context["trail"] == []


def test_org_admin_sees_statistics_too(world, data):
    response = world.client_for(world.admin).get(url())
    assert response.status_code == 200
