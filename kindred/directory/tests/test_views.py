"""The help directory's pages: the public search, offer page, self-referral form and receipt; the
organisation's offers; the inbox where self-referrals are triaged, assigned, closed and converted."""

from __future__ import annotations

import html
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from kindred.audit.models import AccessLog
from kindred.care.models import Episode
from kindred.directory import services
from kindred.directory.models import HelpOffer, SelfReferral, YouthIntake
from kindred.orgs.models import Role
from kindred.programs.tests import factories
from kindred.testing import make_user

pytestmark = pytest.mark.django_db

HELP_TEXT = "Mamma drikker hver helg og jeg orker ikke mer."


def _english(client: Client | None = None) -> Client:
    client = client or Client()
    client.cookies["django_language"] = "en"
    return client


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _field_error(response, name: str) -> str:
    """The message shown next to a field (every field's message has the id id_<name>_error)."""
    found = re.findall(rf'id="id_{name}_error">(.*?)</', response.content.decode(), flags=re.S)
    return html.unescape(" ".join(found))


@pytest.fixture
def stavanger(db):
    return factories.municipality()


@pytest.fixture
def oslo(db):
    return factories.municipality("0301", "Oslo", "Oslo")


@pytest.fixture
def local(world, stavanger):
    return factories.offer(world.unit, municipalities=[stavanger], name="Fyrlykta ungdomssamtaler", youth_intake=True)


@pytest.fixture
def helpline(db):
    return factories.offer(None, name="Hjelpelinja", nationwide=True, phone="800 12 345", min_age=None, max_age=None)


@pytest.fixture
def elsewhere(world, oslo):
    return factories.offer(world.unit, municipalities=[oslo], name="Oslo-samtaler")


def _form(**changes) -> dict:
    data = {
        "help_wanted": HELP_TEXT,
        "age": "17",
        "relation": "parent",
        "name": "Sara",
        "contact_method": "sms",
        "phone": "912 34 567",
        "email": "",
        "safe_times": "Etter skolen",
        "may_leave_message": "",
        "consent": "on",
        "website": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _refer(offer, **fields) -> SelfReferral:
    data = {
        "help_wanted": HELP_TEXT,
        "age": 17,
        "relation": "parent",
        "contact_method": "sms",
        "consent": True,
        "name": "Sara",
        "phone": "912 34 567",
        **fields,
    }
    return services.submit_self_referral(offer, services.SelfReferralData(**data))


# --- search ----------------------------------------------------------------------------------------------------


def test_search_finds_local_and_nationwide_offers_and_not_other_municipalities(
    local, helpline, elsewhere, stavanger, world, django_assert_max_num_queries
):
    factories.offer(
        world.unit,
        municipalities=[stavanger],
        name="Barnegruppa",
        for_young_people=False,
        for_children=True,
        min_age=7,
        max_age=13,
    )
    factories.offer(world.unit, municipalities=[stavanger], name="Voksenkurs", min_age=18, max_age=99)
    factories.offer(world.unit, municipalities=[stavanger], name="Skjult", active=False)
    client = _english()
    with django_assert_max_num_queries(4):
        response = client.get(
            reverse("directory:search"), {"municipality": stavanger.pk, "audience": "young_people", "age": "16"}
        )
    assert response.status_code == 200
    page = _text(response)
    assert "Fyrlykta ungdomssamtaler" in page and "Hjelpelinja" in page
    assert "Oslo-samtaler" not in page
    assert "Barnegruppa" not in page and "Voksenkurs" not in page and "Skjult" not in page
    # Local offers come first, the nationwide ones after, phone numbers are links.
    assert page.index("Fyrlykta") < page.index("Hjelpelinja")
    assert 'href="tel:80012345"' in page
    assert reverse("directory:offer", args=[local.pk]) in page
    assert "We found 2 offers" in page


def test_the_search_form_groups_municipalities_by_region(stavanger, oslo):
    factories.municipality("0101", "Halden", "Østfold")
    page = _text(_english().get(reverse("directory:search")))
    assert '<optgroup label="Rogaland">' in page and '<optgroup label="Oslo">' in page
    assert f'<option value="{stavanger.pk}">Stavanger</option>' in page
    assert 'type="radio" name="audience" value="young_people"' in page
    assert 'data-testid="results"' not in page  # nothing searched yet


def test_without_municipality_the_country_follows_the_language(world):
    factories.offer(None, name="Norsk linje", nationwide=True, country="NO")
    factories.offer(None, name="Dansk linje", nationwide=True, country="DK")
    client = Client()
    client.cookies["django_language"] = "da"
    page = _text(client.get(reverse("directory:search"), {"municipality": "", "audience": "young_people"}))
    assert "Dansk linje" in page and "Norsk linje" not in page
    client.cookies["django_language"] = "nb"
    page = _text(client.get(reverse("directory:search"), {"audience": "young_people"}))
    assert "Norsk linje" in page and "Dansk linje" not in page


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"municipality": "999999"}, "municipality", "We do not know that municipality"),
        ({"municipality": "abc"}, "municipality", "We do not know that municipality"),
        ({"audience": "aliens"}, "audience", "Choose one of the answers in the list."),
        ({"age": "abc"}, "age", "Write your age as a number, like 15."),
        ({"age": "500"}, "age", "Write an age from 0 to 120."),
        ({"age": "-3"}, "age", "Write an age from 0 to 120."),
    ],
)
def test_bad_search_input_gives_a_message_not_an_error(local, query, field, message):
    response = _english().get(reverse("directory:search"), query)
    assert response.status_code == 200
    assert message in _field_error(response, field)
    assert 'data-testid="error-summary"' in _text(response)
    assert 'data-testid="results"' not in _text(response)


# --- the offer page ----------------------------------------------------------------------------------------------


def test_the_offer_page_shows_everything_and_a_contact_button(local, stavanger):
    local.description = "Vi snakker sammen.\n\nSå mange ganger du vil."
    local.email = "fyr@example.no"
    local.web = "https://fyrlykta.example.no"
    local.opening_hours = "Hverdager 9-15"
    local.save()
    response = _english().get(reverse("directory:offer", args=[local.pk]))
    assert response.status_code == 200
    page = _text(response)
    for text in (
        "Fyrlykta ungdomssamtaler",
        "Vi snakker sammen.",
        "Stavanger",
        "Hverdager 9-15",
        "mailto:fyr@example.no",
        "https://fyrlykta.example.no",
        "tel:51000000",
        "Ages 14 to 35.",
    ):
        assert text in page, text
    assert reverse("directory:self_refer", args=[local.pk]) in page


def test_an_offer_without_self_referral_has_no_contact_button(helpline):
    page = _text(_english().get(reverse("directory:offer", args=[helpline.pk])))
    assert "Hjelpelinja" in page
    assert reverse("directory:self_refer", args=[helpline.pk]) not in page
    assert "For the whole of Norway." in page


def test_inactive_offers_are_not_found(local):
    local.active = False
    local.save()
    assert Client().get(reverse("directory:offer", args=[local.pk])).status_code == 404
    assert Client().get(reverse("directory:self_refer", args=[local.pk])).status_code == 404


def test_self_refer_is_404_for_offers_that_do_not_take_requests(world, helpline):
    closed = factories.offer(world.unit, nationwide=True, accepts_self_referral=False, name="Bare telefon")
    for offer in (helpline, closed):
        assert Client().get(reverse("directory:self_refer", args=[offer.pk])).status_code == 404
        assert Client().post(reverse("directory:self_refer", args=[offer.pk]), _form()).status_code == 404
    assert not SelfReferral.objects.exists()


# --- self-referral -----------------------------------------------------------------------------------------------


def test_the_form_explains_consent_and_hides_the_honeypot(local):
    page = _text(_english().get(reverse("directory:self_refer", args=[local.pk])))
    assert "What we store" in page and "Who reads it" in page and "delete it" in page and "112" in page
    assert 'class="k-honeypot" aria-hidden="true"' in page
    assert re.search(r'<input[^>]*name="website"[^>]*tabindex="-1"', page)
    assert re.search(r'<input[^>]*name="website"[^>]*autocomplete="off"', page)
    assert "Leave this field empty" in page
    assert 'data-testid="intake"' in page  # the offer uses the intake questions
    assert 'name="talked_to" value="nobody"' in page


def test_happy_path_stores_one_referral_and_shows_the_reference_once(local):
    client = _english()
    response = client.post(reverse("directory:self_refer", args=[local.pk]), _form())
    assert response.status_code == 302 and response.url == reverse("directory:receipt")
    referral = SelfReferral.objects.get()
    assert referral.offer == local and referral.organisation == local.organisation
    assert (referral.help_wanted, referral.age, referral.relation, referral.name) == (HELP_TEXT, 17, "parent", "Sara")
    assert referral.status == SelfReferral.Status.NEW and referral.consented_at is not None
    assert not YouthIntake.objects.exists()  # the intake questions were left alone
    assert referral.reference not in response.url
    receipt = _text(client.get(response.url))
    assert referral.reference in receipt and "What happens next" in receipt
    assert HELP_TEXT not in receipt and "Sara" not in receipt
    # Shown once: a second visit (another person on a shared device) shows no reference.
    assert referral.reference not in _text(client.get(reverse("directory:receipt")))


def test_the_intake_answers_are_stored(local):
    response = _english().post(
        reverse("directory:self_refer", args=[local.pk]),
        _form(
            father_problem="yes",
            mother_problem="skip",
            other_parent_problem="no",
            years_affected="8",
            physical_violence="yes",
            physical_violence_years="3",
            talked_to=["friend", "school"],
        ),
    )
    assert response.status_code == 302
    intake = YouthIntake.objects.get()
    assert intake.father_problem is True and intake.mother_problem is None and intake.other_parent_problem is False
    assert intake.years_affected == 8 and intake.physical_violence_years == 3
    assert intake.talked_to_friend and intake.talked_to_school and not intake.talked_to_nobody
    assert intake.psychological_violence is None  # not answered is never "no"


def test_offers_without_the_intake_questions_ignore_them(world, stavanger):
    plain = factories.offer(world.unit, municipalities=[stavanger], name="Samtaler")
    page = _text(_english().get(reverse("directory:self_refer", args=[plain.pk])))
    assert 'data-testid="intake"' not in page
    response = _english().post(reverse("directory:self_refer", args=[plain.pk]), _form(father_problem="yes"))
    assert response.status_code == 302
    assert SelfReferral.objects.count() == 1 and not YouthIntake.objects.exists()


def test_the_email_receipt_holds_the_reference_and_nothing_personal(local):
    response = _english().post(
        reverse("directory:self_refer", args=[local.pk]),
        _form(contact_method="email", email="sara@example.no", phone="912 34 567"),
    )
    assert response.status_code == 302
    referral = SelfReferral.objects.get()
    # The organisation's staff are told too (a link only); the person gets one receipt.
    receipts = [m for m in mail.outbox if "sara@example.no" in m.to]
    assert len(receipts) == 1
    message = receipts[0]
    text = message.subject + message.body
    assert referral.reference in text
    for secret in ("Sara", "912 34 567", "91234567", HELP_TEXT, "Fyrlykta", local.provider):
        assert secret not in text, secret


def test_a_burst_from_one_address_is_stopped_politely(local, settings):
    settings.SELF_REFERRAL_RATE = "3/h"
    client = _english()
    url = reverse("directory:self_refer", args=[local.pk])
    for _ in range(3):
        assert client.post(url, _form(), REMOTE_ADDR="203.0.113.7").status_code == 302
    response = client.post(url, _form(), REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 429
    page = _text(response)
    assert "You have sent several requests in a short time. Please wait an hour, or call us on 51 00 00 00." in page
    assert HELP_TEXT in page  # what they wrote is kept in the form
    assert SelfReferral.objects.count() == 3
    # Another address is not affected.
    assert client.post(url, _form(), REMOTE_ADDR="198.51.100.2").status_code == 302
    assert SelfReferral.objects.count() == 4


def test_mistakes_do_not_count_against_the_limit(local, settings):
    settings.SELF_REFERRAL_RATE = "2/h"
    client = _english()
    url = reverse("directory:self_refer", args=[local.pk])
    for _ in range(3):
        assert client.post(url, _form(age="abc"), REMOTE_ADDR="203.0.113.7").status_code == 200
    assert client.post(url, _form(), REMOTE_ADDR="203.0.113.7").status_code == 302


def test_a_filled_honeypot_stores_nothing_and_looks_like_success(local):
    client = _english()
    response = client.post(reverse("directory:self_refer", args=[local.pk]), _form(website="http://spam.example"))
    assert response.status_code == 302 and response.url == reverse("directory:receipt")
    assert not SelfReferral.objects.exists()
    assert mail.outbox == []  # nobody is told about nothing
    receipt = client.get(response.url)
    assert receipt.status_code == 200
    assert 'data-testid="reference"' not in _text(receipt)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"help_wanted": ""}, "help_wanted", "Tell us in a few words what you would like help with."),
        ({"help_wanted": "   "}, "help_wanted", "Tell us in a few words what you would like help with."),
        ({"help_wanted": "x" * 2001}, "help_wanted", "Please keep it under 2000 characters."),
        ({"age": ""}, "age", "Give your age in years."),
        ({"age": None}, "age", "Give your age in years."),
        ({"age": "abc"}, "age", "Give your age in years, as a number from 6 to 120."),
        ({"age": "3"}, "age", "Give your age in years, as a number from 6 to 120."),
        ({"age": "200"}, "age", "Give your age in years, as a number from 6 to 120."),
        ({"age": "40"}, "age", "This offer is for ages 14 to 35."),
        ({"relation": "boss"}, "relation", "Choose who has the problem."),
        ({"relation": ""}, "relation", "Choose who has the problem."),
        ({"contact_method": "pigeon"}, "contact_method", "Choose how we should contact you."),
        ({"contact_method": ""}, "contact_method", "Choose how we should contact you."),
        ({"contact_method": "call", "phone": ""}, "phone", "Give the phone number we should use."),
        ({"contact_method": "sms", "phone": ""}, "phone", "Give the phone number we should use."),
        ({"phone": "12ab"}, "phone", "Write a phone number with 8 digits or more"),
        ({"phone": "123"}, "phone", "Write a phone number with 8 digits or more"),
        ({"contact_method": "email", "email": ""}, "email", "Give the e-mail address we should use."),
        ({"contact_method": "email", "email": "not-an-address"}, "email", "Write an e-mail address like"),
        ({"consent": ""}, "consent", "We can only contact you if you agree that we store what you send."),
        ({"years_affected": "99"}, "years_affected", "Give a number of years from 0 to 30."),
        ({"years_affected": "many"}, "years_affected", "Give a number of years from 0 to 30."),
        (
            {"sexual_violation": "no", "sexual_violation_years": "2"},
            "sexual_violation_years",
            "Give the years only if this happened.",
        ),
        ({"father_problem": "maybe"}, "father_problem", "Choose from the list."),
        (
            {"talked_to": ["nobody", "friend"]},
            "talked_to",
            "Choose “nobody” or the people you talked to, not both.",
        ),
        ({"talked_to": ["the cat"]}, "talked_to", "Choose from the list."),
    ],
)
def test_bad_input_is_named_at_the_field_and_nothing_is_stored(local, changes, field, message):
    response = _english().post(reverse("directory:self_refer", args=[local.pk]), _form(**changes))
    assert response.status_code == 200
    assert message in _field_error(response, field)
    page = _text(response)
    assert 'data-testid="error-summary"' in page
    assert f'href="#id_{field}' in page  # the summary links to the field
    assert not SelfReferral.objects.exists() and not YouthIntake.objects.exists()
    assert mail.outbox == []


def test_several_mistakes_are_all_named_at_once(local):
    response = _english().post(
        reverse("directory:self_refer", args=[local.pk]), _form(help_wanted="", age="abc", consent="", phone="")
    )
    assert response.status_code == 200
    for field in ("help_wanted", "age", "consent", "phone"):
        assert _field_error(response, field), field


# --- the organisation's offers ------------------------------------------------------------------------------------


def _offer_form(**changes) -> dict:
    data = {
        "name": "Ungdomssamtaler",
        "provider": "",
        "summary": "Samtaler for unge.",
        "description": "",
        "audiences": ["young_people", "siblings"],
        "min_age": "14",
        "max_age": "25",
        "nationwide": "",
        "municipalities": [],
        "languages": "norsk",
        "free": "on",
        "accepts_self_referral": "on",
        "phone": "51 00 00 00",
        "email": "",
        "web": "",
        "address": "",
        "opening_hours": "",
        "active": "on",
    }
    data.update(changes)
    return data


def test_an_admin_creates_and_edits_an_offer(world, stavanger):
    admin = _english(world.client_for(world.admin))
    response = admin.post(reverse("directory:offer_new"), _offer_form(municipalities=[stavanger.pk]))
    assert response.status_code == 302 and response.url == reverse("directory:offers")
    offer = HelpOffer.objects.get()
    assert offer.organisation == world.unit and offer.provider == world.unit.name
    assert offer.for_young_people and offer.for_siblings and not offer.for_children
    assert list(offer.municipalities.all()) == [stavanger]
    assert AccessLog.objects.filter(
        action="create", object_type="directory.helpoffer", object_id=str(offer.pk)
    ).exists()
    page = _text(admin.get(reverse("directory:offers")))
    assert "Ungdomssamtaler" in page and reverse("directory:offer_edit", args=[offer.pk]) in page

    edit = admin.get(reverse("directory:offer_edit", args=[offer.pk]))
    assert edit.status_code == 200 and f'<option value="{stavanger.pk}" selected>' in _text(edit)
    response = admin.post(
        reverse("directory:offer_edit", args=[offer.pk]), _offer_form(name="Nytt navn", nationwide="on")
    )
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.name == "Nytt navn" and offer.nationwide


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"audiences": []}, "audiences", ""),
        ({"min_age": "30", "max_age": "20"}, "max_age", "The oldest age cannot be below the youngest."),
        ({"municipalities": []}, "municipalities", "Choose the municipalities served, or the whole country."),
        ({"phone": "", "accepts_self_referral": ""}, "phone", "Give at least one way to get in touch"),
    ],
)
def test_offer_mistakes_are_named_at_the_field(world, changes, field, message):
    admin = _english(world.client_for(world.admin))
    response = admin.post(reverse("directory:offer_new"), _offer_form(**changes))
    assert response.status_code == 200
    assert _field_error(response, field)
    assert message in _field_error(response, field)
    assert not HelpOffer.objects.exists()


def test_offers_are_the_organisations_own(world, local):
    foreign_admin = make_user("fa@example.no", "Fia Admin", world.other, Role.ORG_ADMIN)
    client = world.client_for(foreign_admin)
    assert client.get(reverse("directory:offer_edit", args=[local.pk])).status_code == 404
    assert "Fyrlykta" not in _text(client.get(reverse("directory:offers")))
    assert world.client_for(world.coordinator).get(reverse("directory:offers")).status_code == 403


# --- the inbox ----------------------------------------------------------------------------------------------------


@pytest.fixture
def referral(local):
    return _refer(local)


@pytest.fixture
def cato(world):
    return _english(world.client_for(world.coordinator))


def _audit(referral, action: str):
    return AccessLog.objects.filter(action=action, object_type="directory.selfreferral", object_id=str(referral.pk))


def test_the_coordinator_sees_the_organisations_referrals_only(world, referral, cato):
    foreign_offer = factories.offer(world.other, nationwide=True, name="Fremmed tilbud")
    foreign = _refer(foreign_offer)
    response = cato.get(reverse("directory:inbox"))
    assert response.status_code == 200
    page = _text(response)
    assert referral.reference in page and foreign.reference not in page
    assert HELP_TEXT not in page  # the list holds no personal data
    assert cato.get(reverse("directory:inbox_detail", args=[foreign.pk])).status_code == 404


def test_outsiders_cannot_open_a_referral(world, referral):
    # A clinician elsewhere lacks the capability; a coordinator elsewhere does not find it.
    url = reverse("directory:inbox_detail", args=[referral.pk])
    assert world.client_for(world.outsider).get(url).status_code == 403
    foreign = make_user("fc@example.no", "Fredrik Coordinator", world.other, Role.COORDINATOR)
    assert world.client_for(foreign).get(url).status_code == 404
    assert world.client_for(foreign).post(reverse("directory:inbox_contacted", args=[referral.pk])).status_code == 404
    assert world.client_for(world.clinician).get(url).status_code == 403
    referral.refresh_from_db()
    assert referral.status == SelfReferral.Status.NEW
    assert not _audit(referral, "view").exists()


def test_the_status_filter(world, local, cato):
    new = _refer(local)
    closed = _refer(local)
    services.close(world.actor(world.coordinator), closed, reason="declined")
    open_page = _text(cato.get(reverse("directory:inbox")))
    assert new.reference in open_page and closed.reference not in open_page
    closed_page = _text(cato.get(reverse("directory:inbox"), {"status": "closed"}))
    assert closed.reference in closed_page and new.reference not in closed_page
    all_page = _text(cato.get(reverse("directory:inbox"), {"status": "all"}))
    assert closed.reference in all_page and new.reference in all_page
    assert cato.get(reverse("directory:inbox"), {"status": "nonsense"}).status_code == 200


def test_the_detail_shows_the_request_and_intake_and_is_audited(local, cato):
    referral = _refer(local, intake=services.IntakeData(father_problem=True, years_affected=6, talked_to=["friend"]))
    response = cato.get(reverse("directory:inbox_detail", args=[referral.pk]))
    assert response.status_code == 200
    page = _text(response)
    assert HELP_TEXT in page and "912 34 567" in page and "Sara" in page
    assert 'data-testid="intake-answers"' in page
    assert "Did your father have a problem with alcohol or drugs?" in page and "A friend" in page
    assert _audit(referral, "view").count() == 1


def test_assign(world, referral, cato):
    response = cato.post(reverse("directory:inbox_assign", args=[referral.pk]), {"assigned_to": world.clinician.pk})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == SelfReferral.Status.ASSIGNED and referral.assigned_to == world.clinician
    assert _audit(referral, "change").filter(details__assigned_to=world.clinician.pk).exists()


def test_assign_only_to_members_who_work_with_clients(world, referral, cato):
    response = cato.post(reverse("directory:inbox_assign", args=[referral.pk]), {"assigned_to": world.analyst.pk})
    assert response.status_code == 200
    assert _field_error(response, "assigned_to")
    referral.refresh_from_db()
    assert referral.assigned_to is None and referral.status == SelfReferral.Status.NEW


def test_contacted(world, referral, cato):
    assert cato.post(reverse("directory:inbox_contacted", args=[referral.pk])).status_code == 302
    referral.refresh_from_db()
    assert referral.status == SelfReferral.Status.CONTACTED and referral.contacted_at is not None
    assert referral.assigned_to == world.coordinator
    assert _audit(referral, "change").filter(details__contacted=True).exists()


def test_close_with_a_reason(referral, cato):
    response = cato.post(reverse("directory:inbox_close", args=[referral.pk]), {"close_reason": "elsewhere"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == SelfReferral.Status.CLOSED and referral.close_reason == "elsewhere"
    assert _audit(referral, "change").filter(details__closed="elsewhere").exists()


def test_closing_for_another_reason_needs_a_note(referral, cato):
    url = reverse("directory:inbox_close", args=[referral.pk])
    response = cato.post(url, {"close_reason": "other", "close_note": " "})
    assert response.status_code == 200
    assert "Write a short reason." in _field_error(response, "close_note")
    referral.refresh_from_db()
    assert referral.is_open and not _audit(referral, "change").exists()
    response = cato.post(url, {"close_reason": "", "close_note": ""})
    assert "Choose why the self-referral is closed." in _field_error(response, "close_reason")
    assert cato.post(url, {"close_reason": "other", "close_note": "Flyttet"}).status_code == 302
    referral.refresh_from_db()
    assert referral.status == SelfReferral.Status.CLOSED and referral.close_note == "Flyttet"


def test_enrol_into_a_run(world, referral, cato):
    run = factories.run(world)
    drop_in = factories.run(world, key="meeting-place", title="Møteplassen")
    page = _text(cato.get(reverse("directory:inbox_detail", args=[referral.pk])))
    runs = re.search(r'<select name="run".*?</select>', page, flags=re.S).group(0)
    assert f'<option value="{run.pk}">' in runs and f'value="{drop_in.pk}"' not in runs
    response = cato.post(reverse("directory:inbox_enrol", args=[referral.pk]), {"run": drop_in.pk})
    assert response.status_code == 200 and _field_error(response, "run")
    response = cato.post(reverse("directory:inbox_enrol", args=[referral.pk]), {"run": run.pk})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == SelfReferral.Status.CONVERTED
    enrolment = run.enrolments.get()
    assert referral.converted_enrolment == enrolment and enrolment.participant.name == "Sara"
    assert _audit(referral, "change").filter(details__enrolment=enrolment.pk).exists()
    assert "Gruppe høsten" in _text(cato.get(reverse("directory:inbox_detail", args=[referral.pk])))


def test_convert_to_client(world, referral, cato):
    url = reverse("directory:inbox_client", args=[referral.pk])
    response = cato.post(url, {"given_name": "Sara", "family_name": "", "national_id": "", "birth_date": ""})
    assert response.status_code == 200 and _field_error(response, "family_name")
    response = cato.post(url, {"given_name": "Sara", "family_name": "Nilsen", "national_id": "", "birth_date": ""})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == SelfReferral.Status.CONVERTED
    episode = referral.converted_episode
    assert episode.kind == Episode.Kind.RELATIVE and episode.referred_by == Episode.ReferredBy.SELF
    assert episode.patient.given_name == "Sara" and episode.organisation == world.unit
    assert _audit(referral, "change").filter(details__episode=episode.pk).exists()
    page = _text(cato.get(reverse("directory:inbox_detail", args=[referral.pk])))
    assert reverse("care:episode", args=[episode.pk]) in page


def test_a_closed_referral_cannot_be_changed(world, referral, cato):
    services.close(world.actor(world.coordinator), referral, reason="duplicate")
    response = cato.post(reverse("directory:inbox_contacted", args=[referral.pk]), follow=True)
    assert "already closed" in _text(response)
    referral.refresh_from_db()
    assert referral.status == SelfReferral.Status.CLOSED and referral.contacted_at is None
    page = _text(cato.get(reverse("directory:inbox_detail", args=[referral.pk])))
    assert 'data-testid="assign-form"' not in page


def test_actions_need_post(referral, cato):
    assert cato.get(reverse("directory:inbox_contacted", args=[referral.pk])).status_code == 405


# --- the self-test result links to the directory ------------------------------------------------------------------


def test_the_self_test_result_links_to_the_directory():
    from django.template.loader import render_to_string

    page = render_to_string(
        "instruments/selftest_result.html",
        {"test": {"title": "AUDIT", "key": "audit"}, "scores": [], "complete": True, "offers": []},
    )
    assert reverse("directory:search") in page
