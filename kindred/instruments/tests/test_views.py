"""The staff instrument pages: the list, uploading an own instrument, filling one in for a person, and the
person's history with its chart and the comparison of the first and latest response."""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kindred.audit.models import AccessLog
from kindred.care.tests.factories import patient_with_children
from kindred.instruments import services
from kindred.instruments.loader import BUILTIN_DIR, builtin_definitions
from kindred.instruments.models import Instrument, Response
from kindred.orgs.models import Role
from kindred.testing import make_user

pytestmark = pytest.mark.django_db

# AUDIT answers and their totals: q1-q8 score 0-4, q9-q10 score 0/2/4.
LOW = {**{f"q{n}": 0 for n in range(1, 11)}}  # 0: zone I
MEDIUM = {**{f"q{n}": 1 for n in range(1, 9)}, "q9": 2, "q10": 2}  # 12: zone II
HIGH = {**{f"q{n}": 2 for n in range(1, 9)}, "q9": 2, "q10": 2}  # 20: zone IV


def _post(answers: dict) -> dict[str, str]:
    return {f"item-{key}": str(value) for key, value in answers.items()}


def _instrument(actor, key: str) -> Instrument:
    return next(i for i in services.instruments_for(actor) if i.key == key)


@pytest.fixture
def case(world):
    cora = world.actor(world.clinician)
    episode, (child,) = patient_with_children(cora)
    return {"cora": cora, "episode": episode, "patient": episode.patient, "child": child}


def _fill_in_url(person, instrument, episode=None) -> str:
    url = reverse("instruments:fill_in", args=[person.pk, instrument.pk])
    return f"{url}?episode={episode.pk}" if episode else url


def _main(response) -> str:
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


# The list and uploads


def test_list_shows_every_instrument_with_source_audience_and_placeholder_warning(world):
    client = world.client_for(world.clinician)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("instruments:list"))
    assert response.status_code == 200
    keys = {row["key"] for row in response.context["instruments"]}
    assert keys == set(builtin_definitions())
    html = _main(response)
    assert "AUDIT – Alcohol Use Disorders Identification Test" in html
    assert "Babor TF" in html  # the source
    assert "Staff and public self-test" in html and "Staff only" in html
    cast6 = next(r for r in response.context["instruments"] if r["key"] == "cast6")
    audit = next(r for r in response.context["instruments"] if r["key"] == "audit")
    assert cast6["placeholders"] and not audit["placeholders"]
    assert html.count('data-testid="placeholders"') == 4  # cast6, coping, family impact, symptom rating
    assert "Placeholder texts — fill in before use" in html
    assert "Upload an own instrument" not in html  # only for organisation admins


def _own_definition(key: str = "wellbeing_check") -> dict:
    data = json.loads((BUILTIN_DIR / "relatives_self_check.json").read_text(encoding="utf-8"))
    data["key"] = key
    data["audience"] = "staff"
    data["title"] = {"nb": "Eget skjema", "da": "Eget skema", "en": "Our own check"}
    return data


def _upload(client, content: bytes | str, name: str = "own.json"):
    if isinstance(content, str):
        content = content.encode()
    return client.post(reverse("instruments:upload"), {"file": SimpleUploadedFile(name, content)})


def test_admin_uploads_an_own_instrument(world):
    client = world.client_for(world.admin)
    response = _upload(client, json.dumps(_own_definition()))
    assert response.status_code == 302 and response.url == reverse("instruments:list")
    own = Instrument.objects.get(organisation=world.unit)
    assert own.key == "wellbeing_check" and own.version == 1
    assert AccessLog.objects.filter(user=world.admin, action="create", object_type="instruments.instrument").exists()
    client.cookies["django_language"] = "en"
    page = client.get(reverse("instruments:list"))
    assert "Our own check" in _main(page) and "Own instrument" in _main(page)
    # Another organisation never sees it.
    assert "wellbeing_check" not in {
        r["key"] for r in world.client_for(world.outsider).get(reverse("instruments:list")).context["instruments"]
    }
    # The same key again is a new version.
    assert _upload(client, json.dumps(_own_definition())).status_code == 302
    assert sorted(Instrument.objects.filter(organisation=world.unit).values_list("version", flat=True)) == [1, 2]


def _broken_zones() -> str:
    data = _own_definition()
    data["zones"][1]["min"] = 3  # "little" is 0-4
    return json.dumps(data)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"key": "x",\n "version": 1,,}', "The file is not valid JSON (line 2)"),
        (_broken_zones(), "zones &#x27;little&#x27; and &#x27;some&#x27; overlap (0-4 and 3-10)"),
        (json.dumps({**_own_definition(), "items": []}), "items: List should have at least 1 item"),
        (json.dumps(_own_definition("audit")), "The key audit belongs to a built-in instrument"),
        (b"\xff\xfe not utf-8", "The file must be UTF-8 encoded JSON."),
    ],
    ids=["json-syntax", "overlapping-zones", "no-items", "built-in-key", "not-utf8"],
)
def test_a_broken_upload_names_the_problem_and_changes_nothing(world, content, message):
    client = world.client_for(world.admin)
    client.cookies["django_language"] = "en"
    services.sync_builtin_instruments()
    before = (Instrument.objects.count(), AccessLog.objects.exclude(action="login").count())
    response = _upload(client, content)
    assert response.status_code == 200
    assert message in _main(response)
    assert response.context["form"].errors["file"]
    assert (Instrument.objects.count(), AccessLog.objects.exclude(action="login").count()) == before


def test_a_too_large_upload_is_refused(world):
    client = world.client_for(world.admin)
    client.cookies["django_language"] = "en"
    response = _upload(client, b" " * (services.MAX_UPLOAD_BYTES + 10))
    assert response.status_code == 200 and "The file is too large" in _main(response)
    assert not Instrument.objects.filter(organisation__isnull=False).exists()


@pytest.mark.parametrize("persona", ["clinician", "child_responsible", "analyst", "group_leader"])
def test_only_admins_upload(world, persona):
    client = world.client_for(getattr(world, persona))
    assert client.get(reverse("instruments:upload")).status_code == 403
    assert _upload(client, json.dumps(_own_definition())).status_code == 403
    assert not Instrument.objects.filter(organisation__isnull=False).exists()


# Filling in


def test_fill_in_form_is_built_from_the_definition_in_the_active_language(world, case):
    client = world.client_for(world.clinician)
    audit = _instrument(case["cora"], "audit")
    url = _fill_in_url(case["patient"], audit)
    client.cookies["django_language"] = "en"
    english = client.get(url)
    assert english.status_code == 200
    form = english.context["form"]
    assert list(form.fields) == [f"q{n}" for n in range(1, 11)]
    html = _main(english)
    assert "1. How often do you have a drink containing alcohol?" in html
    assert html.count('type="radio" name="item-q1"') == 5 and html.count('type="radio" name="item-q9"') == 3
    assert 'value="4"' in html and ">4 or more times a week<" in html
    client.cookies["django_language"] = "nb"
    assert "1. Hvor ofte drikker du alkohol?" in _main(client.get(url))


def test_filling_in_records_the_response_with_the_episode_and_audit_rows(world, case):
    client = world.client_for(world.clinician)
    audit = _instrument(case["cora"], "audit")
    response = client.post(_fill_in_url(case["patient"], audit, case["episode"]), _post(MEDIUM))
    history_url = reverse("instruments:history", args=[case["patient"].pk])
    assert response.status_code == 302 and response.url == f"{history_url}#instrument-audit"
    saved = Response.objects.get()
    assert (saved.person, saved.episode, saved.organisation, saved.created_by) == (
        case["patient"],
        case["episode"],
        world.unit,
        world.clinician,
    )
    assert saved.scores == {"total": 12, "audit_c": 3} and saved.zone == "zone_2"
    rows = AccessLog.objects.filter(user=world.clinician, subject=case["patient"])
    assert rows.filter(action="view", object_type="people.person").exists()
    assert rows.filter(action="view", object_type="care.episode").exists()
    assert rows.filter(action="create", object_type="instruments.response", object_id=str(saved.pk)).exists()


@pytest.mark.parametrize(
    ("answers", "errors"),
    [
        ({**MEDIUM, "q1": ""}, {"q1": "Answer this question."}),
        ({**MEDIUM, "q2": "9"}, {"q2": "Choose one of the answers."}),
        ({**MEDIUM, "q9": "1"}, {"q9": "Choose one of the answers."}),  # items 9-10 score 0, 2 or 4
        (
            {**MEDIUM, "q3": "-1", "q4": "2.5", "q5": "two"},
            dict.fromkeys(("q3", "q4", "q5"), "Choose one of the answers."),
        ),
        ({}, {f"q{n}": "Answer this question." for n in range(1, 11)}),
    ],
    ids=["missing", "out-of-range", "not-an-option", "not-numbers", "empty"],
)
def test_bad_answers_show_one_message_per_item_and_store_nothing(world, case, answers, errors):
    client = world.client_for(world.clinician)
    client.cookies["django_language"] = "en"
    audit = _instrument(case["cora"], "audit")
    response = client.post(_fill_in_url(case["patient"], audit), _post(answers))
    assert response.status_code == 200
    form = response.context["form"]
    assert {key: form.errors[key] for key in form.errors} == {key: [message] for key, message in errors.items()}
    html = _main(response)
    for key, message in errors.items():
        assert f'id="id_item-{key}_error">{message}<' in html
    assert 'data-testid="error-summary"' in html
    assert not Response.objects.exists()


def test_the_episode_must_be_the_persons(world, case):
    client = world.client_for(world.clinician)
    audit = _instrument(case["cora"], "audit")
    other, _children = patient_with_children(case["cora"], given_name="Ola", family_name="Other")
    assert client.get(_fill_in_url(case["patient"], audit, other)).status_code == 404
    assert client.post(_fill_in_url(case["patient"], audit, other), _post(LOW)).status_code == 404
    assert client.get(_fill_in_url(case["patient"], audit) + "?episode=abc").status_code == 404
    assert not Response.objects.exists()


def test_another_organisations_own_instrument_is_not_found(world, case):
    other_admin = make_user("olga@example.no", "Olga Otheradmin", world.other, Role.ORG_ADMIN)
    foreign = services.upload_instrument(world.actor(other_admin), json.dumps(_own_definition()))
    client = world.client_for(world.clinician)
    assert client.get(_fill_in_url(case["patient"], foreign)).status_code == 404
    assert client.get(reverse("instruments:fill_in", args=[case["patient"].pk, 999999])).status_code == 404


def test_choose_lists_staff_instruments_and_keeps_the_episode(world, case):
    client = world.client_for(world.clinician)
    url = reverse("instruments:choose", args=[case["patient"].pk]) + f"?episode={case['episode'].pk}"
    response = client.get(url)
    assert response.status_code == 200
    keys = {row["key"] for row in response.context["instruments"]}
    assert {"audit", "tweak", "audit_c_pregnancy", "cast6"} <= keys
    assert "relatives_self_check" not in keys  # a public self-test only
    audit = _instrument(case["cora"], "audit")
    assert f'href="{_fill_in_url(case["patient"], audit, case["episode"])}"' in _main(response)


def test_person_and_episode_pages_link_to_history_and_fill_in(world, case):
    client = world.client_for(world.clinician)
    patient, episode = case["patient"], case["episode"]
    history = reverse("instruments:history", args=[patient.pk])
    choose = reverse("instruments:choose", args=[patient.pk])
    person_page = _main(client.get(reverse("people:person", args=[patient.pk])))
    assert f'href="{history}"' in person_page and f'href="{choose}"' in person_page
    episode_page = _main(client.get(reverse("care:episode", args=[episode.pk])))
    assert f'href="{history}"' in episode_page and f'href="{choose}?episode={episode.pk}"' in episode_page


# History, chart and comparison


def _record(case, key: str, answers: dict, *, actor=None):
    actor = actor or case["cora"]
    return services.record_response(actor, _instrument(actor, key), case["patient"], answers, episode=case["episode"])


def test_history_groups_responses_by_instrument_with_chart_table_and_comparison(world, case):
    _record(case, "audit", HIGH)
    _record(case, "audit", MEDIUM)
    _record(case, "audit", LOW)
    _record(case, "pgsi", {f"q{n}": 1 for n in range(1, 10)})
    client = world.client_for(world.clinician)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("instruments:history", args=[case["patient"].pk]))
    assert response.status_code == 200
    groups = {g.key: g for g in response.context["groups"]}
    assert set(groups) == {"audit", "pgsi"}
    audit = groups["audit"]
    assert [r.score for r in audit.rows] == [20, 12, 0]
    assert [r.zone_label for r in audit.rows] == [
        "Zone IV – possible dependence",
        "Zone II – increased risk",
        "Zone I – low risk",
    ]
    html = _main(response)
    section = html[html.index('id="instrument-audit"') :]
    section = section[: section.index("</section>")]

    # The chart: an image with a title and a description, zone bands labelled in text, points marked by shape.
    svg = section[section.index("<svg") : section.index("</svg>")]
    assert 'role="img"' in svg and 'aria-labelledby="chart-audit-title chart-audit-desc"' in svg
    assert (
        '<title id="chart-audit-title">AUDIT – Alcohol Use Disorders Identification Test: Total score over time</title>'
        in svg
    )
    desc = re.search(r'<desc id="chart-audit-desc">(.*?)</desc>', svg).group(1)
    assert desc.startswith("3 responses from")
    assert "First 20 (Zone IV – possible dependence), latest 0 (Zone I – low risk), on a scale from 0 to 40." in desc
    for label in ("Zone I – low risk", "Zone II – increased risk", "Zone IV – possible"):
        assert label in svg
    assert svg.count('class="k-chart-band ') == 4
    assert len(re.findall(r'<path class="k-chart-point" d="[^"]+"/><text class="k-chart-value"', svg)) == 3
    assert "style=" not in html and "<script" not in section

    # The text alternative: a table of dates, scores and zones.
    table = section[section.index('data-testid="history-table"') :]
    assert "<caption>Responses to AUDIT" in table and '<th scope="col">Zone</th>' in table
    assert table.count('data-testid="history-row"') == 3 and "Cora Clinician" in table

    # First and latest compared, for each score.
    comparison = audit.comparison
    assert [(s.label, s.first, s.latest, s.difference) for s in comparison.scores] == [
        ("Total score", 20, 0, "−20"),
        ("AUDIT-C (items 1–3)", 6, 0, "−6"),
    ]
    assert comparison.zone_change == "Lower level of concern"
    assert 'data-testid="comparison"' in section and "Lower level of concern" in section
    # One response: a chart with one point, no comparison.
    assert groups["pgsi"].comparison is None and len(groups["pgsi"].chart.points) == 1


def test_history_audits_every_response_shown(world, case):
    first, second = _record(case, "audit", LOW), _record(case, "audit", MEDIUM)
    client = world.client_for(world.clinician)
    before = AccessLog.objects.count()
    assert client.get(reverse("instruments:history", args=[case["patient"].pk])).status_code == 200
    rows = AccessLog.objects.order_by("id")[before:]
    assert [(r.action, r.object_type, r.subject_id) for r in rows] == [
        ("view", "people.person", case["patient"].pk),
        ("view", "instruments.response", case["patient"].pk),
        ("view", "instruments.response", case["patient"].pk),
    ]
    assert {r.object_id for r in rows[1:]} == {str(first.pk), str(second.pk)}


def test_history_shows_only_the_own_organisations_responses(world, case):
    _record(case, "audit", LOW)
    # The child-responsible sees the same person and the same organisation's responses.
    client = world.client_for(world.child_responsible)
    response = client.get(reverse("instruments:history", args=[case["patient"].pk]))
    assert [g.key for g in response.context["groups"]] == ["audit"]


def _history_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_history_query_count_does_not_grow_with_responses(world, case):
    client = world.client_for(world.clinician)
    url = reverse("instruments:history", args=[case["patient"].pk])
    _record(case, "audit", LOW)
    _record(case, "pgsi", {f"q{n}": 0 for n in range(1, 10)})
    few = _history_queries(client, url)
    for answers in (MEDIUM, HIGH, LOW, MEDIUM, HIGH, LOW):
        _record(case, "audit", answers)
    _record(case, "pgsi", {f"q{n}": 2 for n in range(1, 10)})
    _record(case, "relatives_self_check", {i.key: 1 for i in builtin_definitions()["relatives_self_check"].items})
    many = _history_queries(client, url)
    assert few == many


def test_history_for_a_person_without_responses(world, case):
    client = world.client_for(world.clinician)
    response = client.get(reverse("instruments:history", args=[case["patient"].pk]))
    assert response.status_code == 200 and 'data-testid="no-responses"' in _main(response)


# Access


@pytest.mark.parametrize("name", ["instruments:history", "instruments:choose", "instruments:fill_in"])
@pytest.mark.parametrize(
    ("persona", "status"), [("outsider", 404), ("group_leader", 404), ("analyst", 403), ("admin", 403)]
)
def test_personal_data_pages_refuse_others(world, case, name, persona, status):
    audit = _instrument(case["cora"], "audit")
    args = [case["patient"].pk, audit.pk] if name == "instruments:fill_in" else [case["patient"].pk]
    client = world.client_for(getattr(world, persona))
    before = AccessLog.objects.filter(subject__isnull=False).count()
    assert client.get(reverse(name, args=args)).status_code == status
    assert client.post(reverse(name, args=args), _post(LOW)).status_code == status
    assert AccessLog.objects.filter(subject__isnull=False).count() == before
    assert not Response.objects.exists()


def test_an_inactive_instrument_is_refused_on_the_web_too(world):
    """The service refuses it, so the web form and the API agree."""
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from kindred.care import services as care
    from kindred.instruments import services as instruments
    from kindred.people.services import PersonData

    cora = world.actor(world.clinician)
    episode = care.register_patient(
        cora,
        PersonData(given_name="Ivar", family_name="Inaktiv", birth_year=1970),
        care.EpisodeData(kind="outpatient", started_on=timezone.localdate()),
    )
    instruments.sync_builtin_instruments()
    pgsi = Instrument.objects.get(key="pgsi", organisation__isnull=True)
    Instrument.objects.filter(pk=pgsi.pk).update(active=False)
    pgsi.refresh_from_db()
    answers = {item.key: 0 for item in pgsi.parsed().items}
    with pytest.raises(ValidationError) as refused:
        instruments.record_response(cora, pgsi, episode.patient, answers)
    assert "instrument_id" in refused.value.message_dict
    assert not Response.objects.exists()
