"""Survey campaigns as use cases: who may run them, validation, single-use codes, anonymous answers and the
suppressed report."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from kindred.audit.models import AccessLog
from kindred.instruments.models import Instrument, Response
from kindred.orgs.models import Role
from kindred.reports.suppression import suppress_table
from kindred.surveys import services
from kindred.surveys.models import Campaign, CampaignCode, hash_code
from kindred.surveys.tests.factories import (
    GOOD,
    GROUP,
    HEAVY,
    IN_BETWEEN,
    answer_many,
    campaign,
    instrument,
    thermometer,
)
from kindred.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def ali(world):
    return world.actor(world.analyst)


def _create(actor, **overrides):
    data = {
        "title": "Trivsel",
        "instrument_ids": [instrument(actor, "feelings_thermometer").pk],
        "background_questions": [GROUP],
    }
    data.update(overrides)
    return services.create_campaign(actor, **data)


# --- creating ------------------------------------------------------------------------------------------------


def test_an_analyst_creates_a_draft_campaign(world, ali, settings):
    settings.STATS_SUPPRESSION_THRESHOLD = 7
    made = _create(ali, description="  Hvordan har du det?  ", access="codes", threshold=None)
    assert made.status == Campaign.Status.DRAFT and made.organisation == world.unit
    assert made.threshold == 7 and made.access == "codes" and made.description == "Hvordan har du det?"
    assert [i.key for i in made.instruments.all()] == ["feelings_thermometer"]
    assert made.background_questions == [GROUP] and made.created_by == world.analyst
    assert AccessLog.objects.filter(user=world.analyst, action="create", object_id=str(made.pk)).exists()


def test_an_organisation_admin_runs_surveys_too(world):
    admin = world.actor(world.admin)
    made = _create(admin)
    services.open_campaign(admin, made)
    assert services.get_campaign(admin, made.pk) == made


@pytest.mark.parametrize("persona", ["clinician", "child_responsible", "coordinator", "group_leader"])
def test_roles_without_statistics_run_no_surveys(world, ali, persona):
    actor = world.actor(getattr(world, persona))
    made = _create(ali)
    with pytest.raises(PermissionError):
        _create(actor, instrument_ids=[made.instruments.get().pk])
    assert not services.campaigns_for(actor).exists()
    with pytest.raises(Http404):
        services.get_campaign(actor, made.pk)
    with pytest.raises(PermissionError):
        services.open_campaign(actor, made)
    with pytest.raises(PermissionError):
        services.report(actor, made)


def test_another_organisations_analyst_finds_nothing(world, ali):
    made = _create(ali)
    foreign = world.actor(make_user("fia@example.no", "Fia Foreign", world.other, Role.ANALYST))
    assert not services.campaigns_for(foreign).exists()
    for pk in (made.pk, "x", 10**30):
        with pytest.raises(Http404):
            services.get_campaign(foreign, pk)
    for change in (services.open_campaign, services.close_campaign, services.report):
        with pytest.raises(PermissionError):
            change(foreign, made)
    with pytest.raises(PermissionError):
        services.generate_codes(foreign, made, 3)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"instrument_ids": []}, "instruments"),
        ({"instrument_ids": ["x"]}, "instruments"),
        ({"instrument_ids": [10**9]}, "instruments"),
        ({"access": "email"}, "access"),
        ({"threshold": 0}, "threshold"),
        ({"threshold": 101}, "threshold"),
        ({"threshold": "5"}, "threshold"),
        ({"background_questions": "age"}, "background_questions"),
        ({"background_questions": [{"key": "age", "label": "Age"}]}, "background_questions"),
        ({"background_questions": [{**GROUP, "key": "Age group"}]}, "background_questions"),
        ({"background_questions": [GROUP, GROUP]}, "background_questions"),
        ({"background_questions": [{**GROUP, "label": " "}]}, "background_questions"),
        ({"background_questions": [{**GROUP, "options": ["A"]}]}, "background_questions"),
        ({"background_questions": [{**GROUP, "options": ["A", "A "]}]}, "background_questions"),
        ({"background_questions": [{**GROUP, "options": ["A", ""]}]}, "background_questions"),
        ({"background_questions": [{**GROUP, "options": ["A", 2]}]}, "background_questions"),
        ({"background_questions": [{**GROUP, "options": [str(n) for n in range(21)]}]}, "background_questions"),
        ({"background_questions": [{**GROUP, "key": f"q{n}"} for n in range(11)]}, "background_questions"),
    ],
)
def test_bad_campaigns_are_refused_with_a_message_on_the_field(ali, overrides, field):
    with pytest.raises(ValidationError) as error:
        _create(ali, **overrides)
    assert field in error.value.message_dict and error.value.message_dict[field][0]
    assert not Campaign.objects.exists()


@pytest.mark.parametrize("key", ["cast6", "tweak"])
def test_placeholder_and_staff_only_instruments_cannot_be_asked(ali, key):
    services.eligible_instruments(ali)  # the built-in rows exist
    unsuitable = Instrument.objects.get(key=key, organisation__isnull=True)
    with pytest.raises(ValidationError) as error:
        _create(ali, instrument_ids=[unsuitable.pk])
    assert "instruments" in error.value.message_dict
    keys = {i.key for i in services.eligible_instruments(ali)}
    assert key not in keys and {"audit_c", "feelings_thermometer", "pgsi"} <= keys


def test_background_options_are_trimmed(ali):
    made = _create(ali, background_questions=[{"key": "age", "label": " Age ", "options": [" 13-15", "16-18 "]}])
    assert made.background_questions == [{"key": "age", "label": "Age", "options": ["13-15", "16-18"]}]


def test_open_and_close_once(ali):
    made = _create(ali)
    with pytest.raises(ValidationError):
        services.close_campaign(ali, made)
    services.open_campaign(ali, made)
    assert made.status == "open" and made.opened_at is not None
    with pytest.raises(ValidationError):
        services.open_campaign(ali, made)
    services.close_campaign(ali, made)
    assert Campaign.objects.get(pk=made.pk).status == "closed" and made.closed_at is not None
    with pytest.raises(ValidationError):
        services.open_campaign(ali, made)


# --- codes -----------------------------------------------------------------------------------------------------


def test_codes_are_returned_once_and_only_their_hashes_stored(ali):
    made = campaign(ali, access="codes", status="draft")
    codes = services.generate_codes(ali, made, 25)
    assert len(set(codes)) == 25 and all(len(c) == 11 and c[5] == "-" for c in codes)
    stored = set(CampaignCode.objects.filter(campaign=made).values_list("code_hash", flat=True))
    assert stored == {hash_code(services.normalise_code(c)) for c in codes}
    assert not CampaignCode.objects.filter(code_hash__in=codes).exists()
    assert services.code_counts(made) == {"total": 25, "used": 0}
    assert services.known_codes(ali, made, [codes[0].lower(), "AAAAA-AAAAA"]) == [codes[0]]


@pytest.mark.parametrize("n", [0, -1, 2001, "3", True])
def test_code_count_is_limited(ali, n):
    made = campaign(ali, access="codes", status="draft")
    with pytest.raises(ValidationError):
        services.generate_codes(ali, made, n)
    assert not CampaignCode.objects.exists()


def test_no_codes_for_link_or_closed_campaigns(ali):
    with pytest.raises(ValidationError):
        services.generate_codes(ali, campaign(ali), 3)
    with pytest.raises(ValidationError):
        services.generate_codes(ali, campaign(ali, access="codes", status="closed"), 3)


def test_a_code_lets_one_respondent_in_once(ali):
    made = campaign(ali, access="codes")
    code = services.generate_codes(ali, made, 1)[0]
    with pytest.raises(ValidationError) as error:
        thermometer(made, GOOD, "A")
    assert "code" in error.value.message_dict
    feedback = thermometer(made, GOOD, "A", code=" " + code.lower().replace("-", " ") + " ")
    assert feedback[0].zone_label and feedback[0].feedback
    assert CampaignCode.objects.get().used
    with pytest.raises(ValidationError) as error:
        thermometer(made, HEAVY, "B", code=code)
    assert "code" in error.value.message_dict
    assert Response.objects.filter(campaign=made).count() == 1


def test_a_code_used_between_the_check_and_the_answer_is_refused(ali, monkeypatch):
    """Two respondents with the same code: both pass the early check, only one answer is stored."""
    made = campaign(ali, access="codes")
    code = services.generate_codes(ali, made, 1)[0]
    monkeypatch.setattr(services, "check_code", lambda campaign, code: None)
    thermometer(made, GOOD, "A", code=code)
    with pytest.raises(ValidationError) as error:
        thermometer(made, GOOD, "A", code=code)
    assert "code" in error.value.message_dict
    assert Response.objects.filter(campaign=made).count() == 1


def test_a_code_of_another_campaign_is_refused(ali):
    made, other = campaign(ali, access="codes"), campaign(ali, access="codes")
    code = services.generate_codes(ali, other, 1)[0]
    with pytest.raises(ValidationError):
        thermometer(made, GOOD, code=code)
    assert not CampaignCode.objects.get().used


@pytest.mark.django_db(transaction=True)
def test_simultaneous_answers_with_one_code_store_one(world):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite runs one writer at a time anyway; this race needs PostgreSQL's row locks.")
    ali = world.actor(world.analyst)
    made = campaign(ali, access="codes")
    code = services.generate_codes(ali, made, 1)[0]
    barrier = threading.Barrier(4)
    outcomes = []

    def answer():
        try:
            barrier.wait()
            thermometer(made, GOOD, "A", code=code)
            outcomes.append("stored")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=answer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused", "refused", "refused", "stored"]
    assert Response.objects.filter(campaign=made).count() == 1


# --- answering -------------------------------------------------------------------------------------------------


def test_an_answer_is_stored_without_anything_identifying(ali):
    made = campaign(ali, ["audit_c", "feelings_thermometer"])
    audit_c, thermo = (instrument(ali, k) for k in ("audit_c", "feelings_thermometer"))
    feedback = services.respond(
        made,
        answers={audit_c.pk: {"q1": 2, "q2": 1, "q3": "0"}, thermo.pk: {"today": IN_BETWEEN}},
        background={"group": "B"},
        sex="male",
    )
    assert [f.instrument.key for f in feedback] == ["audit_c", "feelings_thermometer"]
    assert feedback[0].scores[0][1:] == (3, 12) and feedback[0].zone_label == "Lav risiko"
    rows = Response.objects.filter(campaign=made)
    assert rows.count() == 2
    for row in rows:
        assert row.person_id is None and row.created_by_id is None and row.created_at is None
        assert row.organisation == made.organisation and row.background == {"group": "B"}
        assert row.answered_on is not None
    assert rows.get(instrument=audit_c).zone == "negative"  # a man's cut-off is 4


def test_unanswered_background_questions_are_left_out(ali):
    made = campaign(ali)
    thermometer(made, GOOD)
    assert Response.objects.get().background == {}


@pytest.mark.parametrize(
    ("answers", "background", "sex", "field"),
    [
        ({}, {}, "", "today"),
        ({"today": 11}, {}, "", "today"),
        ({"today": "7.5"}, {}, "", "today"),
        ({"today": 7, "tomorrow": 2}, {}, "", "__all__"),
        ({"today": 7}, {"group": "C"}, "", "bg_group"),
        ({"today": 7}, {"school": "A"}, "", "__all__"),
        ({"today": 7}, {}, "unknown", "sex"),
    ],
)
def test_bad_answers_store_nothing(ali, answers, background, sex, field):
    made = campaign(ali)
    pk = made.instruments.get().pk
    with pytest.raises(ValidationError) as error:
        services.respond(made, answers={pk: answers}, background=background, sex=sex)
    expected = services.item_field(made.instruments.get(), field) if field == "today" else field
    assert expected in error.value.message_dict
    assert not Response.objects.exists()


def test_answers_for_another_instrument_are_refused(ali):
    made = campaign(ali)
    other = instrument(ali, "pgsi")
    with pytest.raises(ValidationError):
        services.respond(made, answers={made.instruments.get().pk: {"today": 3}, other.pk: {"q1": 0}})
    assert not Response.objects.exists()


@pytest.mark.parametrize("status", ["draft", "closed"])
def test_draft_and_closed_campaigns_take_no_answers(ali, status):
    made = campaign(ali, status=status)
    with pytest.raises(ValidationError):
        thermometer(made, GOOD, "A")
    assert not Response.objects.exists()


def test_a_campaign_closed_while_answering_takes_no_answer(ali):
    made = campaign(ali)
    stale = Campaign.objects.get(pk=made.pk)
    services.close_campaign(ali, made)
    with pytest.raises(ValidationError):
        thermometer(stale, GOOD, "A")
    assert not Response.objects.exists()


# --- the report ------------------------------------------------------------------------------------------------


def test_no_report_before_the_campaign_is_closed(ali):
    made = campaign(ali)
    answer_many(made, {(GOOD, "A"): 6})
    report = services.report(ali, made)
    assert not report.available and not report.shown and report.instruments == []


def test_report_with_a_small_zone_hides_it_and_what_would_reveal_it(ali):
    made = campaign(ali, questions=())
    answer_many(made, {(GOOD, ""): 6, (IN_BETWEEN, ""): 5, (HEAVY, ""): 1})
    services.close_campaign(ali, made)
    report = services.report(ali, made)
    assert report.available and report.shown and report.respondents == 12 and report.threshold == 5
    part = report.instruments[0]
    assert part.respondents == 12
    # One heavy answer is under 5; the in-between count goes too, or 12 - 6 - 5 would give it away.
    assert [(z.key, z.count, z.percent) for z in part.zones] == [
        ("good", 6, 50),
        ("in_between", None, None),
        ("heavy", None, None),
    ]
    scores = part.scores
    assert scores.row_labels == [str(s) for s in range(11)] and not scores.cells_shown
    assert scores.data.row_totals == (0, 0, None, 0, 0, None, 0, 0, 6, 0, 0) and scores.data.total == 12
    assert part.crosstabs == []


def test_report_cross_tabulates_zones_by_background_with_suppression(ali):
    made = campaign(ali)
    answer_many(made, {(GOOD, "A"): 6, (GOOD, "B"): 6, (IN_BETWEEN, "A"): 5, (IN_BETWEEN, "B"): 1})
    services.close_campaign(ali, made)
    report = services.report(ali, made)
    part = report.instruments[0]
    assert report.respondents == 18
    assert [(z.count, z.percent) for z in part.zones] == [(12, 67), (6, 33), (0, 0)]
    (table,) = part.crosstabs
    assert table.row_labels == ["Bra", "Midt imellom", "Tungt akkurat nå"]  # the zones in Norwegian, best first
    assert table.column_labels[:2] == ["A", "B"] and len(table.column_labels) == 3  # and "no answer"
    # The single in-between B hides, and with it the cells that would let it be worked out.
    assert table.data.cells == ((None, None, 0), (None, None, 0), (0, 0, 0))
    assert table.data.row_totals == (12, 6, 0) and table.data.column_totals == (11, 7, 0)
    assert table.data.total == 18


def test_tables_sharing_totals_hide_the_same_totals(ali):
    made = campaign(ali)
    answer_many(made, {(GOOD, "A"): 6, (GOOD, "B"): 1, (IN_BETWEEN, "A"): 3, (IN_BETWEEN, "B"): 2, (HEAVY, ""): 5})
    services.close_campaign(ali, made)
    part = services.report(ali, made).instruments[0]
    (table,) = part.crosstabs
    hidden_zones = {n for n, z in enumerate(part.zones) if z.count is None}
    assert hidden_zones == table.data.hidden_row_totals == part.scores.data.hidden_column_totals
    assert hidden_zones  # the B column (3) and what protects it spread to the zone counts
    truth = [[6, 1, 0], [3, 2, 0], [0, 0, 5]]
    for shown_row, true_row in zip(table.data.cells, truth, strict=True):
        for shown, true in zip(shown_row, true_row, strict=True):
            assert shown in (None, true) and not (shown is not None and 0 < shown < 5)
    # The one small count hides, as it would in the table on its own.
    assert suppress_table(truth, 5).cells[0][1] is None and table.data.cells[0][1] is None


def test_report_of_fewer_respondents_than_the_threshold_shows_no_results(ali):
    made = campaign(ali)
    answer_many(made, {(GOOD, "A"): 3})
    services.close_campaign(ali, made)
    report = services.report(ali, made)
    assert report.available and not report.shown and report.respondents is None
    assert report.instruments[0].scores.data.total is None


def test_report_of_an_empty_campaign(ali):
    made = campaign(ali, status="closed")
    report = services.report(ali, made)
    assert report.respondents == 0 and not report.shown


def test_the_threshold_is_the_campaigns(ali):
    made = campaign(ali, threshold=2)
    answer_many(made, {(GOOD, "A"): 3, (IN_BETWEEN, "B"): 2})
    services.close_campaign(ali, made)
    part = services.report(ali, made).instruments[0]
    assert [z.count for z in part.zones] == [3, 2, 0]
    assert part.crosstabs[0].data.cells == ((3, 0, 0), (0, 2, 0), (0, 0, 0))


def test_several_instruments_and_questions(ali):
    age = {"key": "age", "label": "Alder", "options": ["13-15", "16-18"]}
    made = campaign(ali, ["audit_c", "feelings_thermometer"], questions=(GROUP, age))
    audit_c, thermo = (instrument(ali, k) for k in ("audit_c", "feelings_thermometer"))
    for n in range(12):
        services.respond(
            made,
            answers={audit_c.pk: {"q1": n % 5, "q2": 0, "q3": 0}, thermo.pk: {"today": n % 11}},
            background={"group": "AB"[n % 2], "age": ["13-15", "16-18", ""][n % 3]},
        )
    services.close_campaign(ali, made)
    report = services.report(ali, made)
    assert report.respondents == 12
    assert [p.instrument.key for p in report.instruments] == ["audit_c", "feelings_thermometer"]
    for part in report.instruments:
        assert part.respondents == 12 and len(part.crosstabs) == 2
        for table in part.tables:
            assert table.data.total == 12
            values = [v for row in table.data.cells for v in row] + list(table.data.row_totals)
            assert all(v is None or not 0 < v < 5 for v in values)


def _report_queries(ali, respondents: int) -> int:
    made = campaign(ali, ["audit_c", "feelings_thermometer"], title=f"Spørring {respondents}")
    audit_c, thermo = (instrument(ali, k) for k in ("audit_c", "feelings_thermometer"))
    for n in range(respondents):
        services.respond(
            made,
            answers={audit_c.pk: {"q1": n % 5, "q2": n % 3, "q3": 0}, thermo.pk: {"today": n % 11}},
            background={"group": "AB"[n % 2]},
        )
    services.close_campaign(ali, made)
    made = Campaign.objects.get(pk=made.pk)
    with CaptureQueriesContext(connection) as queries:
        report = services.report(ali, made)
    assert report.respondents == respondents
    return len(queries)


def test_the_report_is_counted_in_a_fixed_number_of_queries(ali):
    assert _report_queries(ali, 10) == _report_queries(ali, 100)
