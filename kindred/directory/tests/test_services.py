"""Help directory services against the real database: the public search, the self-referral form and its
receipt, the receiving organisation's inbox, and the offers kept by organisation admins."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation

from kindred.audit.models import AccessLog
from kindred.care.models import Episode
from kindred.directory import services
from kindred.directory.models import HelpOffer, SelfReferral, YouthIntake
from kindred.orgs.models import Role
from kindred.people.models import Person
from kindred.people.services import PersonData
from kindred.programs.models import Enrolment, Participant
from kindred.programs.tests import factories
from kindred.referrals.models import Notification
from kindred.testing import make_user

pytestmark = pytest.mark.django_db

R = SelfReferral.Status


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def refused(call, *args, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    error = caught.value
    return error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}


# --- The public search -------------------------------------------------------------------------------


@pytest.fixture
def places(db):
    return {
        "stavanger": factories.municipality("1103", "Stavanger", "Rogaland"),
        "sandnes": factories.municipality("1108", "Sandnes", "Rogaland"),
        "copenhagen": factories.municipality("0101", "København", "Hovedstaden", country="DK"),
    }


@pytest.fixture
def offers(world, places):
    o = factories.offer
    return {
        "local": o(world.unit, municipalities=[places["stavanger"]], name="Lokal samtalegruppe", for_partners=True),
        "shared": o(
            world.unit,
            municipalities=[places["stavanger"], places["sandnes"]],
            name="Regional gruppe",
            for_parents=True,
        ),
        "sandnes": o(world.unit, municipalities=[places["sandnes"]], name="Sandnes-tilbud"),
        "nationwide": o(
            None,
            nationwide=True,
            name="Hjelpelinjen",
            min_age=None,
            max_age=None,
            for_partners=True,
            for_young_people=False,
        ),
        "danish": o(
            None,
            nationwide=True,
            country="DK",
            name="Dansk rådgivning",
            min_age=None,
            max_age=None,
            for_young_people=False,
        ),
        "danish_local": o(None, municipalities=[places["copenhagen"]], country="DK", name="Københavnsk gruppe"),
        "inactive": o(world.unit, municipalities=[places["stavanger"]], name="Nedlagt", active=False),
    }


def names(rows) -> list[str]:
    return [offer.name for offer in rows]


def test_search_by_municipality_finds_local_and_nationwide_offers_of_the_country(offers, places):
    found = names(services.search(municipality=places["stavanger"]))
    # Local offers first, then the nationwide ones; each once although "shared" serves two municipalities.
    assert found == ["Lokal samtalegruppe", "Regional gruppe", "Hjelpelinjen"]
    assert names(services.search(municipality=places["sandnes"])) == [
        "Regional gruppe",
        "Sandnes-tilbud",
        "Hjelpelinjen",
    ]
    assert names(services.search(municipality=places["copenhagen"])) == ["Københavnsk gruppe", "Dansk rådgivning"]


def test_search_by_country_without_a_municipality(offers):
    assert set(names(services.search(country="DK"))) == {"Dansk rådgivning", "Københavnsk gruppe"}
    assert "Nedlagt" not in names(services.search(country="NO"))
    assert len(names(services.search())) == 6  # every active offer


def test_search_by_audience(offers, places):
    assert names(services.search(municipality=places["stavanger"], audience="partners")) == [
        "Lokal samtalegruppe",
        "Hjelpelinjen",
    ]
    assert names(services.search(municipality=places["stavanger"], audience="parents")) == ["Regional gruppe"]
    assert names(services.search(audience="professionals")) == []
    assert set(names(services.search(audience="young_people"))) == {
        "Lokal samtalegruppe",
        "Regional gruppe",
        "Sandnes-tilbud",
        "Københavnsk gruppe",
    }


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (13, ["Hjelpelinjen"]),
        (14, ["Lokal samtalegruppe", "Regional gruppe", "Hjelpelinjen"]),
        (35, ["Lokal samtalegruppe", "Regional gruppe", "Hjelpelinjen"]),
        (36, ["Hjelpelinjen"]),
    ],
)
def test_search_by_age_respects_the_offers_range(offers, places, age, expected):
    assert names(services.search(municipality=places["stavanger"], age=age)) == expected


def test_an_offer_with_only_a_lower_age_limit(world, places):
    factories.offer(world.unit, municipalities=[places["stavanger"]], name="Voksne", min_age=18, max_age=None)
    assert names(services.search(municipality=places["stavanger"], age=17)) == []
    assert names(services.search(municipality=places["stavanger"], age=90)) == ["Voksne"]


def test_get_public_offer_hides_inactive_offers(offers):
    assert services.get_public_offer(offers["local"].pk) == offers["local"]
    for pk in (offers["inactive"].pk, "abc", None, 999999):
        with pytest.raises(Http404):
            services.get_public_offer(pk)


# --- The self-referral form --------------------------------------------------------------------------

NAME = "Lise Hemmelig"
PHONE = "915 08 588"
HELP = "Min far drikker hver helg og jeg orker ikke mer"


@pytest.fixture
def offer(world, places):
    return factories.offer(
        world.unit,
        municipalities=[places["stavanger"]],
        name="Kompasset Stavanger",
        accepts_self_referral=True,
        youth_intake=True,
    )


def good(**changes) -> services.SelfReferralData:
    data = services.SelfReferralData(
        help_wanted=HELP,
        age=19,
        relation="parent",
        contact_method="sms",
        consent=True,
        name=NAME,
        phone=PHONE,
        email="lise@example.no",
        safe_times="Etter skolen",
        may_leave_message=False,
    )
    return replace(data, **changes)


def test_a_complete_form_has_no_errors(offer):
    assert services.clean_self_referral(offer, good()) == {}
    assert services.clean_self_referral(offer, good(intake=services.IntakeData(talked_to=["nobody"]))) == {}
    assert services.clean_self_referral(offer, good(contact_method="email", phone="")) == {}
    assert services.clean_self_referral(offer, good(contact_method="call", email="", name="")) == {}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"help_wanted": "   "}, "help_wanted"),
        ({"help_wanted": "x" * 2001}, "help_wanted"),
        ({"age": None}, "age"),
        ({"age": 5}, "age"),
        ({"age": 121}, "age"),
        ({"age": 13}, "age"),  # below the offer's 14
        ({"age": 36}, "age"),  # above the offer's 35
        ({"relation": "neighbour"}, "relation"),
        ({"relation": ""}, "relation"),
        ({"name": "x" * 101}, "name"),
        ({"contact_method": "pigeon"}, "contact_method"),
        ({"contact_method": "call", "phone": " "}, "phone"),
        ({"contact_method": "sms", "phone": ""}, "phone"),
        ({"contact_method": "email", "email": ""}, "email"),
        ({"phone": "123"}, "phone"),
        ({"phone": "915-08-588x"}, "phone"),
        ({"email": "not an address"}, "email"),
        ({"safe_times": "x" * 201}, "safe_times"),
        ({"consent": False}, "consent"),
        ({"intake": services.IntakeData(years_affected=31)}, "years_affected"),
        ({"intake": services.IntakeData(physical_violence_years=2)}, "physical_violence_years"),
        ({"intake": services.IntakeData(sexual_violation=False, sexual_violation_years=1)}, "sexual_violation_years"),
        ({"intake": services.IntakeData(talked_to=["priest"])}, "talked_to"),
        ({"intake": services.IntakeData(talked_to=["nobody", "friend"])}, "talked_to"),
    ],
)
def test_each_bad_field_gets_its_message(offer, changes, field):
    errors = services.clean_self_referral(offer, good(**changes))
    assert set(errors) == {field}
    assert errors[field]


def test_the_age_message_names_the_offers_range(offer):
    errors = services.clean_self_referral(offer, good(age=40))
    assert errors == {"age": "This offer is for ages 14 to 35. The directory has other offers for you."}


def test_every_problem_is_reported_at_once(offer):
    errors = services.clean_self_referral(
        offer,
        services.SelfReferralData(help_wanted="", age=None, relation="", contact_method="", consent=False),
    )
    assert set(errors) == {"help_wanted", "age", "relation", "contact_method", "consent"}


def test_intake_questions_are_refused_for_an_offer_without_them(world, places):
    plain = factories.offer(world.unit, municipalities=[places["stavanger"]], accepts_self_referral=True)
    errors = services.clean_self_referral(plain, good(intake=services.IntakeData(father_problem=True)))
    assert set(errors) == {"intake"}


def test_submit_stores_the_request_and_the_intake(world, offer):
    intake = services.IntakeData(
        father_problem=True,
        mother_problem=False,
        years_affected=10,
        physical_violence=True,
        physical_violence_years=3,
        talked_to=["friend", "school"],
    )
    referral = services.submit_self_referral(offer, good(intake=intake))
    referral.refresh_from_db()
    assert (referral.offer, referral.organisation, referral.status) == (offer, world.unit, R.NEW)
    assert (referral.name, referral.phone, referral.help_wanted, referral.age) == (NAME, PHONE, HELP, 19)
    assert (referral.relation, referral.contact_method, referral.safe_times) == ("parent", "sms", "Etter skolen")
    assert referral.consented_at is not None and len(referral.reference) == 8

    youth = YouthIntake.objects.get(self_referral=referral)
    assert youth.organisation == world.unit and youth.created_on == timezone.localdate()
    assert (youth.father_problem, youth.mother_problem, youth.other_parent_problem) == (True, False, None)
    assert (youth.years_affected, youth.physical_violence, youth.physical_violence_years) == (10, True, 3)
    assert youth.psychological_violence is None and youth.earlier_help is None
    talked = {
        name: getattr(youth, f"talked_to_{name}")
        for name in ("nobody", "friend", "family", "school", "health", "child_welfare")
    }
    assert talked == {
        "nobody": False,
        "friend": True,
        "family": False,
        "school": True,
        "health": False,
        "child_welfare": False,
    }


def test_submit_without_intake_stores_no_intake(offer):
    referral = services.submit_self_referral(offer, good())
    assert not YouthIntake.objects.filter(self_referral=referral).exists()


def test_submit_notifies_the_organisation_with_a_link_only(world, offer):
    referral = services.submit_self_referral(offer, good())
    notification = Notification.objects.get()
    assert (notification.organisation, notification.user, notification.kind) == (
        world.unit,
        None,
        Notification.Kind.SELF_REFERRAL,
    )
    assert notification.url == reverse("directory:inbox_detail", args=[referral.pk])
    assert referral.reference in notification.message
    for secret in (NAME, PHONE, HELP):
        assert secret not in notification.message


def test_the_receipt_holds_the_reference_and_no_personal_data(world, offer):
    referral = services.submit_self_referral(offer, good())
    receipts = [m for m in mail.outbox if m.to == ["lise@example.no"]]
    assert len(receipts) == 1
    assert referral.reference in receipts[0].body
    for message in mail.outbox:  # the receipt and the members' notices alike
        text = f"{message.subject}\n{message.body}"
        for secret in (NAME, "Lise", PHONE, "91508588", HELP, "drikker", offer.name, "Etter skolen"):
            assert secret not in text, (secret, message.to)
    staff = {address for m in mail.outbox if m.to != ["lise@example.no"] for address in m.to}
    assert world.clinician.email in staff and world.outsider.email not in staff


def test_no_receipt_without_an_email_address(offer):
    services.submit_self_referral(offer, good(email=""))
    assert not [m for m in mail.outbox if "lise@example.no" in m.to]


def test_submit_is_refused_for_an_offer_not_taking_self_referrals(world, places, offer):
    closed = factories.offer(world.unit, municipalities=[places["stavanger"]], accepts_self_referral=False)
    helpline = factories.offer(None, nationwide=True)
    offer.active = False
    offer.save()
    for target in (closed, helpline, offer):
        with pytest.raises(ValidationError):
            services.submit_self_referral(target, good())
    assert not SelfReferral.objects.exists() and not Notification.objects.exists() and mail.outbox == []


def test_submit_is_refused_with_the_form_errors(offer):
    assert refused(services.submit_self_referral, offer, good(consent=False)) == {
        "consent": ["We can only contact you if you agree that we store what you send."]
    }
    assert not SelfReferral.objects.exists()


# --- The inbox ---------------------------------------------------------------------------------------


@pytest.fixture
def referral(offer):
    return services.submit_self_referral(offer, good())


def cato(world):
    return world.actor(world.coordinator)


def audit_rows(referral) -> list[dict]:
    return list(
        AccessLog.objects.filter(object_type="directory.selfreferral", object_id=str(referral.pk))
        .order_by("id")
        .values("action", "user", "details")
    )


def test_the_inbox_belongs_to_programme_managers_of_the_receiving_organisation(world, referral):
    assert list(services.inbox(cato(world))) == [referral]
    other_coordinator = make_user("olav@example.no", "Olav Coordinator", world.other, Role.COORDINATOR)
    for user in (world.clinician, world.group_leader, world.analyst, world.admin, world.outsider, other_coordinator):
        actor = world.actor(user)
        assert not services.inbox(actor).exists()
        with pytest.raises(Http404):
            services.get_self_referral(actor, referral.pk)
    assert services.get_self_referral(cato(world), referral.pk) == referral
    assert audit_rows(referral) == [{"action": "view", "user": world.coordinator.pk, "details": {}}]


def test_assign_then_contacted_then_close(world, referral):
    services.assign(cato(world), referral, world.clinician.pk)
    referral.refresh_from_db()
    assert (referral.status, referral.assigned_to) == (R.ASSIGNED, world.clinician)

    services.mark_contacted(cato(world), referral)
    referral.refresh_from_db()
    assert (referral.status, referral.assigned_to) == (R.CONTACTED, world.clinician)
    assert referral.contacted_at is not None

    services.assign(cato(world), referral, world.child_responsible.pk)  # reassigning keeps the status
    referral.refresh_from_db()
    assert (referral.status, referral.assigned_to) == (R.CONTACTED, world.child_responsible)

    services.close(cato(world), referral, reason="declined", note="  Ønsket ikke hjelp nå  ")
    referral.refresh_from_db()
    assert (referral.status, referral.close_reason, referral.close_note) == (
        R.CLOSED,
        "declined",
        "Ønsket ikke hjelp nå",
    )
    assert referral.closed_at is not None
    assert list(services.inbox(cato(world))) == []
    assert list(services.inbox(cato(world), status="closed")) == [referral]

    assert [(row["action"], row["details"]) for row in audit_rows(referral)] == [
        ("change", {"assigned_to": world.clinician.pk}),
        ("change", {"contacted": True}),
        ("change", {"assigned_to": world.child_responsible.pk}),
        ("change", {"closed": "declined"}),
    ]


def test_contacted_without_an_assignee_assigns_the_actor(world, referral):
    services.mark_contacted(cato(world), referral)
    referral.refresh_from_db()
    assert (referral.status, referral.assigned_to) == (R.CONTACTED, world.coordinator)


@pytest.mark.parametrize("persona", ["analyst", "admin", "outsider"])
def test_assign_only_to_members_who_work_with_clients(world, referral, persona):
    errors = refused(services.assign, cato(world), referral, getattr(world, persona).pk)
    assert "assigned_to" in errors
    referral.refresh_from_db()
    assert (referral.status, referral.assigned_to) == (R.NEW, None)


def test_close_needs_a_known_reason_and_a_note_for_other(world, referral):
    assert "close_reason" in refused(services.close, cato(world), referral, reason="bored")
    assert "close_note" in refused(services.close, cato(world), referral, reason="other", note=" ")
    services.close(cato(world), referral, reason="other", note="Feil tilbud")
    referral.refresh_from_db()
    assert referral.status == R.CLOSED


def test_a_closed_referral_cannot_be_closed_again_or_changed(world, referral, places):
    services.close(cato(world), referral, reason="duplicate")
    before = len(audit_rows(referral))
    message = ["This self-referral is already closed."]
    assert refused(services.close, cato(world), referral, reason="duplicate") == {"__all__": message}
    assert refused(services.assign, cato(world), referral, world.clinician.pk) == {"__all__": message}
    assert refused(services.mark_contacted, cato(world), referral) == {"__all__": message}
    run = factories.run(world, "stress-strain-coping-support")
    assert refused(services.convert_to_enrolment, cato(world), referral, run) == {"__all__": message}
    assert refused(services.convert_to_client, cato(world), referral, PersonData(given_name="Lise")) == {
        "__all__": message
    }
    assert len(audit_rows(referral)) == before
    assert not Participant.objects.exists() and not Episode.objects.exists()


@pytest.mark.parametrize("persona", ["clinician", "group_leader", "analyst", "admin"])
def test_only_programme_managers_triage(world, referral, persona):
    actor = world.actor(getattr(world, persona))
    with pytest.raises(PermissionError):
        services.assign(actor, referral, world.clinician.pk)
    with pytest.raises(PermissionError):
        services.mark_contacted(actor, referral)
    with pytest.raises(PermissionError):
        services.close(actor, referral, reason="declined")
    referral.refresh_from_db()
    assert referral.status == R.NEW


def test_convert_to_enrolment_signs_the_person_up_as_a_participant(world, referral):
    run = factories.run(world, "stress-strain-coping-support", title="Mestringskurs")
    persons = Person.objects.count()
    services.convert_to_enrolment(cato(world), referral, run)
    referral.refresh_from_db()
    enrolment = referral.converted_enrolment
    assert (referral.status, enrolment.run, enrolment.status) == (R.CONVERTED, run, Enrolment.Status.ENROLLED)
    assert referral.closed_at is not None
    participant = enrolment.participant
    assert (participant.name, participant.phone, participant.email) == (NAME, PHONE, "lise@example.no")
    assert (participant.relation, participant.reminders) == ("parent", Participant.Channel.SMS)
    assert participant.birth_year == timezone.localdate().year - 19
    assert (participant.organisation, participant.person) == (world.unit, None)
    assert Person.objects.count() == persons
    assert AccessLog.objects.filter(
        action="create", object_type="programs.enrolment", details={"status": "enrolled", "self_referral": referral.pk}
    ).exists()
    assert audit_rows(referral)[-1]["details"] == {"enrolment": enrolment.pk}
    assert refused(services.close, cato(world), referral, reason="declined")  # converted is no longer open


def test_convert_to_enrolment_without_a_name_uses_the_reference(world, offer):
    referral = services.submit_self_referral(offer, good(name="", contact_method="call"))
    services.convert_to_enrolment(cato(world), referral, factories.run(world, "stress-strain-coping-support"))
    participant = Participant.objects.get()
    assert (participant.name, participant.reminders) == (referral.reference, "")


def test_convert_to_enrolment_in_a_drop_in_run_changes_nothing(world, referral):
    run = factories.run(world, "meeting-place")
    assert refused(services.convert_to_enrolment, cato(world), referral, run)
    referral.refresh_from_db()
    assert referral.status == R.NEW
    assert not Participant.objects.exists() and not Enrolment.objects.exists()


def test_convert_to_client_opens_a_relatives_episode(world, referral):
    services.convert_to_client(
        cato(world),
        referral,
        PersonData(given_name="Lise", family_name="Hemmelig", birth_year=timezone.localdate().year - 19),
        started_on=timezone.localdate() - timedelta(days=1),
    )
    referral.refresh_from_db()
    episode = referral.converted_episode
    assert (referral.status, episode.kind, episode.referred_by) == (
        R.CONVERTED,
        Episode.Kind.RELATIVE,
        Episode.ReferredBy.SELF,
    )
    assert (episode.organisation, episode.started_on) == (world.unit, timezone.localdate() - timedelta(days=1))
    assert episode.patient.given_name == "Lise"
    row = AccessLog.objects.filter(object_type="directory.selfreferral", object_id=str(referral.pk)).latest("id")
    assert (row.action, row.subject, row.details) == ("change", episode.patient, {"episode": episode.pk})
    assert AccessLog.objects.filter(action="create", object_type="care.episode", object_id=str(episode.pk)).exists()


@pytest.mark.parametrize("persona", ["clinician", "group_leader"])
def test_convert_to_client_needs_both_case_and_programme_rights(world, referral, persona):
    with pytest.raises(PermissionError):
        services.convert_to_client(world.actor(getattr(world, persona)), referral, PersonData(given_name="Lise"))
    assert not Episode.objects.exists()


# --- Offers ------------------------------------------------------------------------------------------


def offer_data(**changes) -> dict:
    data = {
        "name": "Samtaler for partnere",
        "summary": "Samtaler for deg som lever med en som drikker.",
        "for_partners": True,
        "phone": "51 00 00 00",
        "min_age": 18,
        "max_age": None,
    }
    data.update(changes)
    return data


def test_an_admin_creates_an_offer_for_the_organisation(world, places):
    ada = world.actor(world.admin)
    offer = services.save_offer(ada, None, offer_data(), [places["stavanger"].pk, places["sandnes"].pk])
    offer.refresh_from_db()
    assert (offer.organisation, offer.country, offer.provider) == (world.unit, "NO", world.unit.name)
    assert set(offer.municipalities.all()) == {places["stavanger"], places["sandnes"]}
    assert offer.audiences() == ["partners"]
    assert AccessLog.objects.filter(
        action="create", object_type="directory.helpoffer", object_id=str(offer.pk), user=world.admin
    ).exists()
    assert list(services.offers_of(ada)) == [offer]

    services.save_offer(ada, offer, {"name": "Nytt navn"})
    offer.refresh_from_db()
    assert offer.name == "Nytt navn"
    assert offer.municipalities.count() == 2  # kept when not given
    assert AccessLog.objects.filter(
        action="change", object_type="directory.helpoffer", object_id=str(offer.pk)
    ).exists()

    nationwide = services.save_offer(ada, None, offer_data(nationwide=True, name="Landsdekkende"), [])
    assert nationwide.nationwide and not nationwide.municipalities.exists()


@pytest.mark.parametrize(
    ("changes", "municipalities", "field"),
    [
        ({"for_partners": False}, ["stavanger"], "audiences"),
        ({"min_age": 30, "max_age": 20}, ["stavanger"], "max_age"),
        ({}, ["stavanger", "copenhagen"], "municipalities"),
        ({}, ["copenhagen"], "municipalities"),
        ({}, [], "municipalities"),
        ({"phone": "", "email": "", "web": "", "accepts_self_referral": False}, ["stavanger"], "phone"),
        ({"web": "ftp://example.no"}, ["stavanger"], "web"),
        ({"summary": ""}, ["stavanger"], "summary"),
    ],
)
def test_save_offer_validation(world, places, changes, municipalities, field):
    errors = refused(
        services.save_offer,
        world.actor(world.admin),
        None,
        offer_data(**changes),
        [places[m].pk for m in municipalities],
    )
    assert field in errors
    assert not HelpOffer.objects.exists()
    assert not AccessLog.objects.filter(object_type="directory.helpoffer").exists()


def test_self_referral_alone_is_a_way_to_get_in_touch(world, places):
    offer = services.save_offer(
        world.actor(world.admin),
        None,
        offer_data(phone="", accepts_self_referral=True),
        [places["stavanger"].pk],
    )
    assert offer.accepts_self_referral and offer.organisation == world.unit


@pytest.mark.parametrize("persona", ["coordinator", "clinician", "group_leader", "analyst"])
def test_only_organisation_admins_keep_offers(world, places, persona):
    with pytest.raises(PermissionError):
        services.save_offer(world.actor(getattr(world, persona)), None, offer_data(), [places["stavanger"].pk])
    assert not HelpOffer.objects.exists()


def test_an_admin_of_another_organisation_cannot_change_the_offer(world, places):
    offer = services.save_offer(world.actor(world.admin), None, offer_data(), [places["stavanger"].pk])
    olga = make_user("olga@example.no", "Olga Admin", world.other, Role.ORG_ADMIN)
    with pytest.raises(Http404):
        services.save_offer(world.actor(olga), offer, {"name": "Kapret"})
    with pytest.raises(Http404):
        services.get_own_offer(world.actor(olga), offer.pk)
    offer.refresh_from_db()
    assert offer.name == "Samtaler for partnere"
