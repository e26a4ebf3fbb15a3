"""Public self-tests: anyone may take them without an account; the result is personal feedback by zone with help
offers; nothing is stored unless the respondent agrees, and then nothing that identifies them; no session."""

from __future__ import annotations

import json
import logging
from html import unescape

import pytest
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from kindred.audit.models import AccessLog
from kindred.instruments.loader import builtin_definitions
from kindred.instruments.models import Response
from kindred.instruments.tests.test_builtin_definitions import answers_totalling

pytestmark = pytest.mark.django_db

IP = "203.0.113.77"


@pytest.fixture
def public():
    """An anonymous visitor with a distinctive IP address, so we can check it is kept nowhere."""
    return Client(REMOTE_ADDR=IP, HTTP_X_FORWARDED_FOR=IP)


def _in(client: Client, language: str) -> Client:
    client.cookies["django_language"] = language
    return client


def _post(answers: dict, **extra) -> dict[str, str]:
    return {**{f"item-{k}": str(v) for k, v in answers.items()}, **extra}


def _main(response) -> str:
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def _take(client: Client, key: str, answers: dict, **extra):
    return client.post(reverse("selftest:take", args=[key]), _post(answers, **extra))


def test_the_login_page_points_the_public_to_the_self_tests(public):
    assert f'href="{reverse("selftest:list")}"' in _main(public.get(reverse("accounts:login")))


def test_the_list_shows_public_self_tests_without_placeholders(public):
    response = _in(public, "en").get(reverse("selftest:list"))
    assert response.status_code == 200
    keys = {t["key"] for t in response.context["tests"]}
    assert {"audit", "audit_c", "pgsi", "relatives_self_check"} <= keys
    # Staff-only instruments and those with placeholder texts are never offered to the public.
    assert not keys & {"tweak", "audit_c_pregnancy", "cast6", "coping_questionnaire", "symptom_rating"}
    for key in keys:
        definition = builtin_definitions()[key]
        assert definition.audience in ("public", "both") and not definition.has_placeholders
    html = _main(response)
    assert "Is someone&#x27;s drinking affecting me?" in html
    assert f'href="{reverse("selftest:take", args=["audit"])}"' in html


@pytest.mark.parametrize("key", ["tweak", "cast6", "no_such_test", "audit_c_pregnancy"])
def test_other_instruments_are_not_found(public, key):
    assert public.get(reverse("selftest:take", args=[key])).status_code == 404
    assert _take(public, key, {"q1": 0}).status_code == 404


def test_the_form_has_every_item_and_the_keep_box_unticked(public):
    response = _in(public, "en").get(reverse("selftest:take", args=["audit"]))
    assert response.status_code == 200
    html = _main(response)
    for n in range(1, 11):
        assert f'name="item-q{n}"' in html
    assert "How often do you have a drink containing alcohol?" in html
    keep = html[html.index('name="keep"') - 200 : html.index('name="keep"') + 100]
    assert 'type="checkbox"' in keep and "checked" not in keep
    assert "You may keep my answers anonymously for statistics" in html
    assert 'name="sex"' not in html  # the AUDIT's zones do not depend on sex


def test_the_sex_question_appears_only_where_cut_offs_depend_on_it(public):
    assert 'name="sex"' in _main(public.get(reverse("selftest:take", args=["audit_c"])))
    for key in ("audit", "pgsi", "relatives_self_check"):
        assert 'name="sex"' not in _main(public.get(reverse("selftest:take", args=[key])))


def _zone_cases():
    for key in ("audit", "pgsi", "relatives_self_check"):
        definition = builtin_definitions()[key]
        for zone in definition.zones:
            for total in sorted({zone.min, zone.max}):
                yield pytest.param(key, zone.key, total, id=f"{key}-{zone.key}-{total}")


@pytest.mark.parametrize(("key", "zone_key", "total"), list(_zone_cases()))
@pytest.mark.parametrize("language", ["nb", "da", "en"])
def test_feedback_per_zone_in_the_active_language(public, key, zone_key, total, language):
    definition = builtin_definitions()[key]
    zone = next(z for z in definition.zones if z.key == zone_key)
    answers = answers_totalling(definition, definition.primary_score, total)
    response = _take(_in(public, language), key, answers)
    assert response.status_code == 200
    assert response.context["zone_label"] == zone.label.get(language)
    assert response.context["feedback"] == zone.feedback.get(language)
    html = unescape(_main(response))
    assert f'data-testid="zone">{zone.label.get(language)}<' in html
    assert f'data-testid="feedback">{zone.feedback.get(language)}<' in html
    assert response.context["scores"][0]["value"] == total
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    ("sex", "zone"), [("female", "Increased risk"), ("male", "Lower risk"), ("", "Increased risk")]
)
def test_audit_c_cut_offs_follow_the_sex_given(public, sex, zone):
    # 3 points: positive for women (3+), not for men (4+); without an answer the general limit (3+) applies.
    response = _take(_in(public, "en"), "audit_c", {"q1": 1, "q2": 1, "q3": 1}, sex=sex)
    assert response.status_code == 200 and response.context["zone_label"] == zone


def test_the_result_lists_help_offers_for_the_instruments_topic(public):
    alcohol = _take(_in(public, "nb"), "audit", answers_totalling(builtin_definitions()["audit"], "total", 9))
    # Alcohol offers only; in Norwegian the Norwegian ones first, in Danish the Danish ones.
    assert [o.name for o in alcohol.context["offers"]] == ["Rustelefonen", "Alkolinjen"]
    danish = _take(_in(public, "da"), "audit", answers_totalling(builtin_definitions()["audit"], "total", 9))
    assert [o.name for o in danish.context["offers"]] == ["Alkolinjen", "Rustelefonen"]
    html = _main(danish)
    assert 'href="tel:80200500"' in html and 'href="https://alkolinjen.dk"' in html
    assert "Gratis og anonym telefonrådgivning for dig, der drikker" in html
    gambling = _take(_in(public, "en"), "pgsi", {f"q{n}": 0 for n in range(1, 10)})
    assert {o.name for o in gambling.context["offers"]} == {"Hjelpelinjen for spilleavhengige", "StopSpillet"}
    relatives = _take(
        public, "relatives_self_check", {i.key: 0 for i in builtin_definitions()["relatives_self_check"].items}
    )
    assert {"TUBA", "Blå Kors Kompasset", "Rustelefonen"} <= {o.name for o in relatives.context["offers"]}


def test_help_offers_come_from_the_configured_file(public, tmp_path, caplog):
    path = tmp_path / "offers.json"
    offer = {
        "name": "Lokal hjelp",
        "what": {"nb": "Samtaler hos oss.", "da": "Samtaler hos os.", "en": "Talks with us."},
        "phone": "12 34 56 78",
        "web": "https://example.org/help",
        "country": "NO",
        "topics": ["gambling"],
    }
    path.write_text(json.dumps({"instrument_topics": {"pgsi": ["gambling"]}, "offers": [offer]}), encoding="utf-8")
    answers = {f"q{n}": 0 for n in range(1, 10)}
    with override_settings(HELP_OFFERS_FILE=str(path)):
        response = _take(_in(public, "en"), "pgsi", answers)
        assert [o.name for o in response.context["offers"]] == ["Lokal hjelp"]
        assert "Talks with us." in _main(response)
        # A broken file must not break the result page: no offers, an error in the log.
        path.write_text('{"offers": [{"name": "x", "web": "javascript:alert(1)"}]}', encoding="utf-8")
        with caplog.at_level(logging.ERROR, logger="kindred.instruments.help_offers"):
            broken = _take(public, "pgsi", answers)
        assert broken.status_code == 200 and broken.context["offers"] == []
        assert "javascript:" not in _main(broken)
        assert any("Help offers cannot be shown" in r.getMessage() for r in caplog.records)


def test_nothing_is_stored_unless_the_respondent_agrees(public):
    answers = answers_totalling(builtin_definitions()["audit"], "total", 12)
    response = _take(_in(public, "en"), "audit", answers)
    assert response.status_code == 200 and not response.context["kept"]
    assert "Your answers are not saved." in _main(response)
    assert not Response.objects.exists()

    kept = _take(public, "audit", answers, keep="on")
    assert kept.status_code == 200 and kept.context["kept"]
    row = Response.objects.get()
    assert row.instrument.key == "audit" and row.scores["total"] == 12 and row.zone == "zone_2"
    assert row.answers == answers and row.answered_on == timezone.localdate()
    assert (row.person, row.organisation, row.episode, row.campaign) == (None, None, None, None)
    assert (row.created_by, row.created_at) == (None, None)
    assert IP not in json.dumps([row.answers, row.scores, row.context, row.background])
    assert not AccessLog.objects.exists()


def test_no_session_is_created_and_no_ip_address_is_kept(public, caplog):
    answers = answers_totalling(builtin_definitions()["audit_c"], "total", 5)
    with caplog.at_level(logging.DEBUG):
        responses = [
            public.get(reverse("selftest:list")),
            public.get(reverse("selftest:take", args=["audit_c"])),
            _take(public, "audit_c", answers, sex="male", keep="on"),
            _take(public, "audit_c", {"q1": "9"}),
            public.get(reverse("selftest:take", args=["no_such_test"])),
        ]
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 404]
    for response in responses:
        assert "sessionid" not in response.cookies
    assert "sessionid" not in public.cookies
    assert not Session.objects.exists()
    assert not AccessLog.objects.exists()
    assert not any(IP in r.getMessage() or IP in str(getattr(r, "request", "")) for r in caplog.records)
    assert Response.objects.count() == 1
    # The result is not cached anywhere on the way (a shared computer's back button, a proxy).
    assert "no-store" in responses[2].headers["Cache-Control"]


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({}, {f"q{n}": "Answer this question." for n in range(1, 4)}),
        ({"q1": 1, "q2": 1}, {"q3": "Answer this question."}),
        ({"q1": 7, "q2": 1, "q3": 1}, {"q1": "Choose one of the answers."}),
        ({"q1": -1, "q2": "1.5", "q3": "one"}, {f"q{n}": "Choose one of the answers." for n in range(1, 4)}),
        ({"q1": "1" * 5000, "q2": 0, "q3": 0}, {"q1": "Choose one of the answers."}),
        ({"q1": "1\x00", "q2": 0, "q3": 0}, {"q1": "Null characters are not allowed."}),
    ],
    ids=["empty", "missing-one", "out-of-range", "not-whole-numbers", "huge-number", "null-character"],
)
def test_bad_answers_show_the_form_again_with_a_message_per_item(public, data, errors):
    response = _take(_in(public, "en"), "audit_c", data, keep="on")
    assert response.status_code == 200
    items = response.context["items"]
    assert {key: list(items.errors[key]) for key in items.errors} == {k: [m] for k, m in errors.items()}
    html = _main(response)
    assert 'data-testid="error-summary"' in html and 'data-testid="selftest-form"' in html
    for key, message in errors.items():
        assert f'id="id_item-{key}_error">{message}<' in html
    assert "zone_label" not in response.context
    assert not Response.objects.exists()


def test_a_tampered_post_is_refused_and_stores_nothing(public):
    answers = {"q1": 1, "q2": 1, "q3": 1}
    bad_sex = _take(_in(public, "en"), "audit_c", answers, sex="other", keep="on")
    assert bad_sex.status_code == 200 and "sex" in bad_sex.context["options"].errors
    assert not Response.objects.exists()
    # Answers to questions the test does not have are ignored, never stored.
    extra = _take(public, "audit_c", {**answers, "q99": 4, "person": 1}, keep="on")
    assert extra.status_code == 200 and extra.context["kept"]
    assert Response.objects.get().answers == answers


def test_a_broken_help_offers_file_fails_the_system_check(tmp_path):
    from kindred.instruments.checks import help_offers_file

    assert help_offers_file(None) == []
    path = tmp_path / "offers.json"
    path.write_text('{"offers": [{"name": "x"}]}', encoding="utf-8")
    with override_settings(HELP_OFFERS_FILE=str(path)):
        (error,) = help_offers_file(None)
    assert error.id == "instruments.E001" and "offers.0.what" in error.msg
    with override_settings(HELP_OFFERS_FILE=str(tmp_path / "missing.json")):
        assert help_offers_file(None)[0].id == "instruments.E001"
