"""The survey pages: campaigns for analysts and admins, the respondents' pages without any trace, the report
and its CSV and XLSX exports with the same numbers hidden."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from kindred.audit.models import AccessLog
from kindred.instruments.models import Response
from kindred.orgs.models import Role
from kindred.surveys import exports, services
from kindred.surveys.models import Campaign, CampaignCode
from kindred.surveys.tests.factories import GOOD, HEAVY, IN_BETWEEN, answer_many, campaign, instrument
from kindred.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def ali(world):
    return world.actor(world.analyst)


@pytest.fixture
def analyst(world):
    client = world.client_for(world.analyst)
    client.cookies["django_language"] = "en"
    return client


def _public() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def _text(response) -> str:
    return response.content.decode()


# --- campaigns -------------------------------------------------------------------------------------------------


def test_the_list_shows_the_organisations_campaigns(world, ali, analyst):
    made = campaign(ali, title="Trivsel på skolen")
    campaign(world.actor(make_user("fia@example.no", "Fia", world.other, Role.ANALYST)), title="Fremmed")
    response = analyst.get(reverse("surveys:list"))
    assert response.status_code == 200
    assert "Trivsel på skolen" in _text(response) and "Fremmed" not in _text(response)
    assert reverse("surveys:detail", args=[made.pk]) in _text(response)
    assert 'data-testid="nav-surveys"' in _text(response)


def test_the_nav_link_is_only_for_roles_that_run_surveys(world):
    for user, shown in ((world.admin, True), (world.clinician, False), (world.group_leader, False)):
        page = _text(world.client_for(user).get(reverse("start")))
        assert ('data-testid="nav-surveys"' in page) is shown


def test_create_a_campaign(world, ali, analyst):
    thermo = instrument(ali, "feelings_thermometer")
    response = analyst.post(
        reverse("surveys:new"),
        {
            "title": "Trivsel",
            "description": "Hvordan har du det?",
            "instruments": [thermo.pk],
            "background_questions": "Age: Age group | 13-15, 16-18\n\nschool: School | North, South , ",
            "access": "codes",
            "threshold": "6",
        },
    )
    made = Campaign.objects.get()
    assert response.status_code == 302 and response.url == reverse("surveys:detail", args=[made.pk])
    assert made.background_questions == [
        {"key": "age", "label": "Age group", "options": ["13-15", "16-18"]},
        {"key": "school", "label": "School", "options": ["North", "South"]},
    ]
    assert made.access == "codes" and made.threshold == 6 and made.status == "draft"
    page = _text(analyst.get(response.url))
    assert "Trivsel" in page and made.token in page and "Open the campaign" in page


def test_the_form_offers_only_suitable_instruments(ali, analyst):
    page = _text(analyst.get(reverse("surveys:new")))
    assert f'value="{instrument(ali, "pgsi").pk}"' in page
    assert "CAST-6" not in page and "TWEAK" not in page


@pytest.mark.parametrize(
    ("background", "message"),
    [
        ("age Age group | 13-15, 16-18", "Line 1"),
        ("age: Age group 13-15, 16-18", "Line 1"),
        ("\nage: Age group | 13-15", "between 2 and 20 options"),
        ("1age: Age | a, b", "the key must start"),
        ("age: Age | a, b\nage: Again | c, d", "used twice"),
        ("age: Age | a, a", "listed twice"),
    ],
)
def test_bad_background_questions_get_a_clear_message_and_nothing_is_created(ali, analyst, background, message):
    response = analyst.post(
        reverse("surveys:new"),
        {
            "title": "Trivsel",
            "instruments": [instrument(ali, "feelings_thermometer").pk],
            "background_questions": background,
            "access": "link",
            "threshold": "5",
        },
    )
    assert response.status_code == 200 and message in _text(response)
    assert 'aria-invalid="true"' in _text(response)
    assert not Campaign.objects.exists()


def test_a_campaign_needs_a_title_and_an_instrument(analyst):
    response = analyst.post(reverse("surveys:new"), {"title": "", "access": "link", "threshold": "0"})
    page = _text(response)
    assert response.status_code == 200 and "This field is required." in page
    assert "Ensure this value is greater than or equal to 1." in page
    assert not Campaign.objects.exists()


def test_open_and_close_from_the_detail_page(ali, analyst):
    made = campaign(ali, status="draft")
    response = analyst.post(reverse("surveys:open", args=[made.pk]), follow=True)
    assert "The campaign is open" in _text(response) and Campaign.objects.get().status == "open"
    assert "Close the campaign" in _text(response)
    response = analyst.post(reverse("surveys:open", args=[made.pk]), follow=True)
    assert "Only a draft campaign can be opened" in _text(response)
    analyst.post(reverse("surveys:close", args=[made.pk]))
    assert Campaign.objects.get().status == "closed"
    assert analyst.get(reverse("surveys:close", args=[made.pk])).status_code == 405


def test_make_codes_shown_once(ali, analyst):
    made = campaign(ali, access="codes")
    response = analyst.post(reverse("surveys:codes", args=[made.pk]), {"count": "12", "show": "1"})
    assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]
    shown = _codes_on(response)
    assert len(shown) == 12 and CampaignCode.objects.filter(campaign=made).count() == 12
    # Posting the codes back downloads them; codes of nothing are dropped.
    download = analyst.post(reverse("surveys:codes_csv", args=[made.pk]), {"codes": " ".join([*shown, "ZZZZZ-ZZZZZ"])})
    assert download["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows[0] == ["Code"] and [r[0] for r in rows[1:]] == shown


def _codes_on(response) -> list[str]:
    page = _text(response)
    block = page[page.index('data-testid="codes"') :]
    block = block[: block.index("</ol>")]
    return [part.split("</li>")[0] for part in block.split("<li>")[1:]]


def test_make_codes_as_csv_straight_away(ali, analyst):
    made = campaign(ali, access="codes")
    response = analyst.post(reverse("surveys:codes", args=[made.pk]), {"count": "5", "download": "1"})
    assert response["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert len(rows) == 6 and CampaignCode.objects.filter(campaign=made).count() == 5


def test_bad_code_counts(ali, analyst):
    made = campaign(ali, access="codes")
    response = analyst.post(reverse("surveys:codes", args=[made.pk]), {"count": "2001", "show": "1"})
    assert response.status_code == 200 and "less than or equal to 2000" in _text(response)
    link_campaign = campaign(ali)
    page = _text(analyst.get(reverse("surveys:codes", args=[link_campaign.pk])))
    assert "uses no codes" in page
    assert not CampaignCode.objects.exists()


# --- respondents -----------------------------------------------------------------------------------------------


def _answer(client, made, value, group="", **extra):
    pk = made.instruments.get().pk
    data = {"step": "answers", f"i{pk}_today": str(value), "bg_group": group, **extra}
    return client.post(reverse("survey:answer", args=[made.token]), data)


def test_a_respondent_answers_by_link_and_leaves_no_trace(ali):
    made = campaign(ali)
    client = _public()
    start = client.get(reverse("survey:start", args=[made.token]))
    assert start.status_code == 200 and "Trivsel 2026" in _text(start) and "anonymous" in _text(start)
    questionnaire = client.get(reverse("survey:answer", args=[made.token]))
    page = _text(questionnaire)
    assert "csrfmiddlewaretoken" not in page and "About you" in page and "Group" in page
    response = _answer(client, made, IN_BETWEEN, "B")
    assert response.status_code == 200 and 'data-testid="feedback"' in _text(response)
    assert "Somewhere in between" in _text(response)
    for r in (start, questionnaire, response):
        assert r.cookies == {} and "no-store" in r.headers["Cache-Control"]
    assert not Session.objects.exists()
    row = Response.objects.get()
    assert row.background == {"group": "B"} and row.created_by is None and row.created_at is None
    assert not AccessLog.objects.filter(object_type="instruments.response").exists()


def test_the_language_can_be_chosen_without_a_cookie(ali):
    made = campaign(ali)
    response = _public().get(reverse("survey:start", args=[made.token]) + "?lang=da")
    assert '<html lang="da"' in _text(response) and response.cookies == {}
    page = _text(_public().get(reverse("survey:answer", args=[made.token]) + "?lang=nb"))
    assert f'action="/survey/{made.token}/answer/?lang=nb"' in page


def test_missing_answers_are_named_and_nothing_is_stored(ali):
    made = campaign(ali)
    response = _answer(_public(), made, "", "C")
    page = _text(response)
    assert response.status_code == 200 and 'data-testid="error-summary"' in page
    assert "Answer this question." in page and "Select a valid choice." in page
    assert not Response.objects.exists()


def test_a_code_campaign_asks_for_the_code_first(ali):
    made = campaign(ali, access="codes")
    code = services.generate_codes(ali, made, 1)[0]
    client = _public()
    start = _text(client.get(reverse("survey:start", args=[made.token])))
    assert 'name="code"' in start
    assert client.get(reverse("survey:answer", args=[made.token])).status_code == 302
    wrong = client.post(reverse("survey:answer", args=[made.token]), {"step": "code", "code": "AAAAA-AAAAA"})
    assert "not valid for this survey" in _text(wrong) and 'name="code"' in _text(wrong)
    right = client.post(reverse("survey:answer", args=[made.token]), {"step": "code", "code": code.lower()})
    assert 'name="access_code"' in _text(right) and services.normalise_code(code) in _text(right)
    assert not CampaignCode.objects.get().used
    done = _answer(client, made, GOOD, "A", access_code=services.normalise_code(code))
    assert 'data-testid="feedback"' in _text(done) and CampaignCode.objects.get().used
    again = _answer(client, made, HEAVY, "A", access_code=services.normalise_code(code))
    assert "has been used already" in _text(again) and Response.objects.count() == 1
    assert not Session.objects.exists()


def test_answers_without_a_code_are_refused(ali):
    made = campaign(ali, access="codes")
    response = _answer(_public(), made, GOOD, "A")
    assert "Type the code you were given." in _text(response)
    assert not Response.objects.exists()


def test_a_closed_campaign_says_so_and_stores_nothing(ali):
    made = campaign(ali, status="closed")
    client = _public()
    assert "This survey is closed" in _text(client.get(reverse("survey:start", args=[made.token])))
    response = _answer(client, made, GOOD, "A")
    assert "This survey is closed" in _text(response) and 'name="step"' not in _text(response)
    assert not Response.objects.exists()


def test_a_draft_campaign_is_not_open_yet(ali):
    made = campaign(ali, status="draft")
    assert "has not opened yet" in _text(_public().get(reverse("survey:start", args=[made.token])))
    _answer(_public(), made, GOOD, "A")
    assert not Response.objects.exists()


def test_an_unknown_link_is_not_found():
    assert _public().get(reverse("survey:start", args=["no-such-token"])).status_code == 404


# --- the report and exports ------------------------------------------------------------------------------------


@pytest.fixture
def closed(ali):
    """18 respondents; one in-between answer in group B is under the threshold."""
    made = campaign(ali, title="=Trivsel")
    answer_many(made, {(GOOD, "A"): 6, (GOOD, "B"): 6, (IN_BETWEEN, "A"): 5, (IN_BETWEEN, "B"): 1})
    services.close_campaign(ali, made)
    return made


def test_the_report_waits_for_the_campaign_to_close(ali, analyst):
    made = campaign(ali)
    answer_many(made, {(GOOD, "A"): 6})
    page = _text(analyst.get(reverse("surveys:report", args=[made.pk])))
    assert 'data-testid="report-not-ready"' in page and 'data-testid="report-table"' not in page
    response = analyst.get(reverse("surveys:report_csv", args=[made.pk]))
    assert response.status_code == 302 and response.url == reverse("surveys:report", args=[made.pk])


def test_the_report_page_hides_small_counts(world, closed, analyst):
    response = analyst.get(reverse("surveys:report", args=[closed.pk]))
    page = _text(response)
    assert response.status_code == 200 and "18 respondents." in page
    assert page.count('data-suppressed="true"') == 4  # the four inner cells of the cross-tabulation
    assert "hidden" in page and "a count under 5" in page
    assert '<svg xmlns="http://www.w3.org/2000/svg" role="img"' in page and "Good: 67 %." in page
    assert AccessLog.objects.filter(user=world.analyst, action="view", object_id=str(closed.pk)).exists()


def test_the_report_of_few_respondents_shows_no_tables(ali, analyst):
    made = campaign(ali)
    answer_many(made, {(GOOD, "A"): 4})
    services.close_campaign(ali, made)
    page = _text(analyst.get(reverse("surveys:report", args=[made.pk])))
    assert "Fewer than 5 respondents." in page and 'data-testid="report-table"' not in page


def test_csv_export_carries_the_same_suppression(world, closed, analyst):
    response = analyst.get(reverse("surveys:report_csv", args=[closed.pk]))
    assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Campaign", "'=Trivsel"]  # a title is never read as a formula
    assert rows[1] == ["Respondents", "18"]
    start = rows.index(["Zone", "Respondents", "Share (%)"])
    assert rows[start + 1 : start + 4] == [
        ["Good", "12", "67"],
        ["Somewhere in between", "6", "33"],
        ["Heavy right now", "0", "0"],
    ]
    header = next(n for n, row in enumerate(rows) if row[:3] == ["Zone", "A", "B"])
    assert rows[header + 1] == ["Good", "hidden", "hidden", "0", "12"]
    assert rows[header + 2] == ["Somewhere in between", "hidden", "hidden", "0", "6"]
    assert rows[header + 4] == ["Total", "11", "7", "0", "18"]
    assert AccessLog.objects.filter(user=world.analyst, action="export", object_id=str(closed.pk)).exists()


def test_xlsx_export_has_the_same_rows(ali, closed, analyst):
    response = analyst.get(reverse("surveys:report_xlsx", args=[closed.pk]))
    assert response["Content-Type"] == exports.XLSX
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    report = services.report(ali, closed)
    expected = exports.report_rows(report)
    while expected[-1] == []:
        expected.pop()  # a spreadsheet keeps no empty rows at the end
    assert cells == expected
    assert ["Good", "hidden", "hidden", 0, 12] in cells
    assert all(not isinstance(v, str) or not v.startswith("=") for row in cells for v in row)


@pytest.mark.parametrize("name", ["detail", "codes", "report", "report_csv", "report_xlsx"])
def test_other_organisations_and_other_roles_find_nothing(world, closed, name):
    url = reverse(f"surveys:{name}", args=[closed.pk])
    foreign = make_user("fia@example.no", "Fia", world.other, Role.ANALYST)
    for user in (world.outsider, world.clinician, foreign):
        assert world.client_for(user).get(url).status_code == 404


def test_list_and_new_are_forbidden_for_roles_without_statistics(world):
    client = world.client_for(world.clinician)
    assert client.get(reverse("surveys:list")).status_code == 403
    assert client.post(reverse("surveys:new"), {"title": "x"}).status_code == 403
    assert not Campaign.objects.exists()
    assert Client().get(reverse("surveys:list")).status_code == 302
