"""The cooperation pages: referrals, consultations, who does what, notifications; bad input changes nothing,
other organisations' objects are "not found"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kindred.audit.models import AccessLog
from kindred.consent.models import Category, Consent
from kindred.consent.services import revoke_consent
from kindred.orgs.models import Role
from kindred.people.synthetic import first_valid_fnr
from kindred.referrals import services, views
from kindred.referrals.models import (
    ChildAgreement,
    Consultation,
    ConsultationReply,
    Notification,
    Referral,
    ReferralEvent,
)
from kindred.referrals.tests.factories import actor_for, consent, family, nurse, school_health

pytestmark = pytest.mark.django_db

S = Referral.Status


@pytest.fixture
def coop(world):
    """Cora's patient Pia with a child Kim; a school health service with the nurse Helle."""
    cora = world.actor(world.clinician)
    episode, patient, child = family(cora)
    school = school_health()
    helle = nurse(school)
    return {
        "cora": cora,
        "episode": episode,
        "patient": patient,
        "child": child,
        "school": school,
        "helle": helle,
        "helle_actor": actor_for(helle),
    }


def _refer(coop, categories=("children",), **fields) -> Referral:
    if not Consent.objects.filter(person=coop["patient"], recipient_organisation=coop["school"]).exists():
        consent(coop["cora"], coop["patient"], coop["school"], categories)
    data = services.ReferralData(
        to_organisation_id=coop["school"].pk,
        reason=fields.pop("reason", "Kim trenger en trygg voksen."),
        categories=list(categories),
        child_ids=(coop["child"].pk,),
        contact_person=fields.pop("contact_person", "Cora, tlf. 51 00 00 00"),
        **fields,
    )
    return services.create_referral(coop["cora"], coop["patient"], data)


def _audit_rows(user, **filters):
    return AccessLog.objects.filter(user=user).exclude(action="login").filter(**filters)


# --- Referrals: the new-referral form --------------------------------------------------------------


def test_new_referral_form_offers_the_persons_children(world, coop):
    client = world.client_for(world.clinician)
    response = client.get(reverse("cooperation:referral_new", args=[coop["patient"].pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'name="children" value="{coop["child"].pk}"' in html
    assert 'name="categories" value="children"' in html
    assert coop["school"].name in html
    assert world.unit.name not in html.split('id="id_to_organisation"')[1].split("</select>")[0]
    assert _audit_rows(world.clinician, subject=coop["patient"]).exists()
    assert _audit_rows(world.clinician, subject=coop["child"]).exists()


def test_a_referral_within_a_consent_is_sent(world, coop):
    consent(coop["cora"], coop["patient"], coop["school"], ["children"])
    client = world.client_for(world.clinician)
    response = client.post(
        reverse("cooperation:referral_new", args=[coop["patient"].pk]),
        {
            "to_organisation": coop["school"].pk,
            "reason": "Kim trenger oppfølging på skolen.",
            "urgency": "urgent",
            "categories": ["children"],
            "children": [coop["child"].pk],
            "contact_person": "Cora Clinician, 51 00 00 00",
        },
    )
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cooperation:referral", args=[referral.pk])
    assert referral.status == S.SENT
    assert referral.urgency == "urgent"
    assert list(referral.children.all()) == [coop["child"]]
    assert referral.consent is not None
    assert Notification.objects.filter(organisation=coop["school"], kind="referral").count() == 1


def test_without_consent_the_form_links_to_recording_one(world, coop):
    client = world.client_for(world.clinician)
    response = client.post(
        reverse("cooperation:referral_new", args=[coop["patient"].pk]),
        {
            "to_organisation": coop["school"].pk,
            "reason": "Trenger hjelp.",
            "urgency": "normal",
            "categories": ["children"],
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="no-consent"' in html
    link = reverse("consent:new", args=[coop["patient"].pk]) + f"?to={coop['school'].pk}"
    assert f'href="{link}"' in html
    assert not Referral.objects.exists()
    # The consent form follows the link with the organisation chosen.
    form = client.get(link)
    assert form.status_code == 200
    assert f'<option value="{coop["school"].pk}" selected>' in form.content.decode()


@pytest.mark.parametrize(
    "change",
    [
        {"to_organisation": "999999"},
        {"to_organisation": "not-a-number"},
        {"reason": ""},
        {"urgency": "whenever"},
        {"categories": ["everything"]},
        {"children": ["999999"]},
    ],
)
def test_bad_referral_input_changes_nothing(world, coop, change):
    consent(coop["cora"], coop["patient"], coop["school"], ["children"])
    data = {
        "to_organisation": coop["school"].pk,
        "reason": "Grunn",
        "urgency": "normal",
        "categories": ["children"],
        "children": [coop["child"].pk],
        **change,
    }
    response = world.client_for(world.clinician).post(
        reverse("cooperation:referral_new", args=[coop["patient"].pk]), data
    )
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Referral.objects.exists()
    assert not Notification.objects.exists()


def test_a_referral_to_the_own_organisation_is_refused(world, coop):
    response = world.client_for(world.clinician).post(
        reverse("cooperation:referral_new", args=[coop["patient"].pk]),
        {"to_organisation": world.unit.pk, "reason": "Grunn", "urgency": "normal", "categories": ["children"]},
    )
    assert response.status_code == 200
    assert not Referral.objects.exists()


def test_the_service_refuses_children_of_someone_else(world, coop):
    """Fixed in the service: a visible child of another patient cannot ride along on a referral."""
    _episode, _other, other_child = family(coop["cora"], given_name="Per", family_name="Annen")
    consent(coop["cora"], coop["patient"], coop["school"], ["children"])
    with pytest.raises(services.ValidationError) as error:
        services.create_referral(
            coop["cora"],
            coop["patient"],
            services.ReferralData(
                to_organisation_id=coop["school"].pk, reason="x", categories=["children"], child_ids=(other_child.pk,)
            ),
        )
    assert "children" in error.value.message_dict
    assert not Referral.objects.exists()


def test_new_referral_of_a_foreign_person_is_not_found(world, coop):
    assert (
        world.client_for(world.outsider).get(reverse("cooperation:referral_new", args=[coop["patient"].pk])).status_code
        == 404
    )
    assert (
        world.client_for(world.analyst).get(reverse("cooperation:referral_new", args=[coop["patient"].pk])).status_code
        == 403
    )


# --- Referrals: the detail page and status ---------------------------------------------------------


def test_the_sender_sees_the_referral_and_may_only_withdraw(world, coop):
    referral = _refer(coop, urgency="urgent")
    response = world.client_for(world.clinician).get(reverse("cooperation:referral", args=[referral.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Kim trenger en trygg voksen.", "Cora, tlf. 51 00 00 00", str(coop["child"])):
        assert text in html
    assert 'data-testid="status-withdrawn"' in html
    assert 'data-testid="status-accepted"' not in html
    assert 'data-testid="shared-links"' not in html
    assert response.context["categories"] == [Category.CHILDREN.label]
    assert [e.status for e in response.context["events"]] == [S.DRAFT, S.SENT]
    referral.refresh_from_db()
    assert referral.status == S.SENT  # the sender opening it does not mark it received


def test_the_receiver_opening_a_sent_referral_marks_it_received(world, coop):
    referral = _refer(coop)
    client = world.client_for(coop["helle"])
    response = client.get(reverse("cooperation:referral", args=[referral.pk]))
    assert response.status_code == 200
    referral.refresh_from_db()
    assert referral.status == S.RECEIVED
    html = response.content.decode()
    assert 'data-testid="status-accepted"' in html
    assert 'data-testid="status-declined"' in html
    assert 'data-testid="status-withdrawn"' not in html
    assert 'name="decline_reason"' in html
    assert 'data-testid="shared-links"' not in html
    assert _audit_rows(coop["helle"], subject=coop["patient"], action="view").exists()
    # Opening it again changes nothing more.
    client.get(reverse("cooperation:referral", args=[referral.pk]))
    assert ReferralEvent.objects.filter(referral=referral, status=S.RECEIVED).count() == 1


def test_accepting_links_to_what_is_shared(world, coop):
    referral = _refer(coop)
    client = world.client_for(coop["helle"])
    client.get(reverse("cooperation:referral", args=[referral.pk]))
    response = client.post(reverse("cooperation:referral_status", args=[referral.pk]), {"status": "accepted"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == S.ACCEPTED
    html = client.get(reverse("cooperation:referral", args=[referral.pk])).content.decode()
    assert reverse("consent:shared_person", args=[coop["child"].pk]) in html
    assert reverse("consent:shared_person", args=[coop["patient"].pk]) in html
    assert client.get(reverse("consent:shared_person", args=[coop["child"].pk])).status_code == 200


def test_declining_needs_a_reason(world, coop):
    referral = _refer(coop)
    client = world.client_for(coop["helle"])
    url = reverse("cooperation:referral_status", args=[referral.pk])
    response = client.post(url, {"status": "declined", "decline_reason": ""}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    referral.refresh_from_db()
    assert referral.status == S.RECEIVED  # not declined; following the redirect opened it
    client.post(url, {"status": "declined", "decline_reason": "no_capacity", "note": "Full"})
    referral.refresh_from_db()
    assert (referral.status, referral.decline_reason) == (S.DECLINED, "no_capacity")
    assert referral.events.last().note == "Full"


@pytest.mark.parametrize(
    ("who", "data"),
    [
        ("helle", {"status": "withdrawn"}),  # the receiver cannot withdraw
        ("clinician", {"status": "accepted"}),  # the sender cannot accept
        ("clinician", {"status": "bogus"}),
        ("clinician", {"status": "completed"}),  # not from "sent"
        ("helle", {"status": "declined", "decline_reason": "made_up"}),
    ],
)
def test_bad_status_changes_change_nothing(world, coop, who, data):
    referral = _refer(coop)
    user = coop["helle"] if who == "helle" else world.clinician
    events = ReferralEvent.objects.count()
    response = world.client_for(user).post(reverse("cooperation:referral_status", args=[referral.pk]), data)
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == S.SENT
    assert ReferralEvent.objects.count() == events


def test_the_referral_pages_are_not_found_for_others(world, coop):
    referral = _refer(coop)
    for user in (world.outsider, world.group_leader):
        client = world.client_for(user)
        assert client.get(reverse("cooperation:referral", args=[referral.pk])).status_code == 404
        assert client.post(
            reverse("cooperation:referral_status", args=[referral.pk]), {"status": "withdrawn"}
        ).status_code in (403, 404)
    assert (
        world.client_for(world.outsider)
        .post(reverse("cooperation:referral_status", args=[referral.pk]), {"status": "withdrawn"})
        .status_code
        == 404
    )
    referral.refresh_from_db()
    assert referral.status == S.SENT
    assert world.client_for(world.clinician).get(reverse("cooperation:referral", args=[999999])).status_code == 404


# --- Referrals: inbox and outbox -------------------------------------------------------------------


def test_inbox_shows_waiting_time_and_audits_the_persons(world, coop):
    referral = _refer(coop)
    Referral.objects.filter(pk=referral.pk).update(sent_at=timezone.now() - timedelta(days=3))
    client = world.client_for(coop["helle"])
    response = client.get(reverse("cooperation:referrals"))
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [referral]
    html = response.content.decode()
    assert str(coop["patient"]) in html
    assert 'data-testid="waiting"' in html
    assert "3" in html.split('data-testid="waiting">')[1].split("</td>")[0]
    assert _audit_rows(coop["helle"], subject=coop["patient"], object_type="referrals.referral").exists()
    # The sender's inbox is empty; the outbox has it.
    cora = world.client_for(world.clinician)
    assert list(cora.get(reverse("cooperation:referrals")).context["page"].object_list) == []
    assert list(cora.get(reverse("cooperation:referrals") + "?box=out").context["page"].object_list) == [referral]
    # The outsider sees neither.
    otto = world.client_for(world.outsider)
    assert list(otto.get(reverse("cooperation:referrals")).context["page"].object_list) == []
    assert list(otto.get(reverse("cooperation:referrals") + "?box=out").context["page"].object_list) == []


def test_referral_lists_are_paginated(world, coop, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    _refer(coop)
    _refer(coop, reason="Andre gang")
    client = world.client_for(world.clinician)
    first = client.get(reverse("cooperation:referrals") + "?box=out")
    assert first.context["page"].paginator.num_pages == 2
    assert "box=out&amp;page=2" in first.content.decode()
    second = client.get(reverse("cooperation:referrals") + "?box=out&page=2")
    assert len(second.context["page"].object_list) == 1


# --- The consent form ------------------------------------------------------------------------------


def test_consent_with_reversed_dates_is_refused(world, coop):
    today = timezone.localdate()
    response = world.client_for(world.clinician).post(
        reverse("consent:new", args=[coop["patient"].pk]),
        {
            "categories": ["children"],
            "recipient_organisation": coop["school"].pk,
            "purpose": "Oppfølging",
            "valid_from": today.isoformat(),
            "valid_until": (today - timedelta(days=1)).isoformat(),
            "form": "verbal",
            "given_by": "person",
        },
    )
    assert response.status_code == 200
    assert 'id="id_valid_until_error"' in response.content.decode()
    assert not Consent.objects.exists()


def test_consent_for_an_unknown_organisation_is_refused(world, coop):
    today = timezone.localdate()
    response = world.client_for(world.clinician).post(
        reverse("consent:new", args=[coop["patient"].pk]),
        {
            "categories": ["children"],
            "recipient_organisation": "999999",
            "purpose": "Oppfølging",
            "valid_from": today.isoformat(),
            "valid_until": today.isoformat(),
            "form": "verbal",
            "given_by": "person",
        },
    )
    assert response.status_code == 200
    assert not Consent.objects.exists()


def test_revocation_takes_effect_with_the_next_request(world, coop):
    record = consent(coop["cora"], coop["patient"], coop["school"], ["children"])
    helle = world.client_for(coop["helle"])
    url = reverse("consent:shared_person", args=[coop["child"].pk])
    assert helle.get(url).status_code == 200
    response = world.client_for(world.clinician).post(reverse("consent:revoke", args=[record.pk]))
    assert response.status_code == 302
    assert helle.get(url).status_code == 404
    assert helle.get(reverse("cooperation:agreements", args=[coop["child"].pk])).status_code == 404


def test_only_the_recording_organisation_may_revoke(world, coop):
    record = consent(coop["cora"], coop["patient"], coop["school"], ["children"])
    for user in (world.outsider, coop["helle"]):
        assert world.client_for(user).post(reverse("consent:revoke", args=[record.pk])).status_code == 404
    record.refresh_from_db()
    assert record.revoked_at is None


# --- Consultations ---------------------------------------------------------------------------------


def _ask(client, to, **data):
    return client.post(
        reverse("cooperation:consultation_new"),
        {"to_organisation": to.pk, "title": "Mor i aktiv rus", "question": "Hvordan snakker vi med barnet?", **data},
    )


def test_an_anonymous_consultation_is_asked_answered_and_closed(world, coop):
    cora = world.client_for(world.clinician)
    response = _ask(cora, coop["school"])
    consultation = Consultation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cooperation:consultation", args=[consultation.pk])
    assert consultation.person is None

    helle = world.client_for(coop["helle"])
    listing = helle.get(reverse("cooperation:consultations"))
    assert consultation.title in listing.content.decode()
    page = helle.get(reverse("cooperation:consultation", args=[consultation.pk]))
    assert page.status_code == 200
    assert 'data-testid="close-consultation"' not in page.content.decode()
    response = helle.post(
        reverse("cooperation:consultation_reply", args=[consultation.pk]), {"text": "Bruk alderstilpasset språk."}
    )
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.ANSWERED

    page = cora.get(reverse("cooperation:consultation", args=[consultation.pk]))
    assert "Bruk alderstilpasset språk." in page.content.decode()
    assert 'data-testid="close-consultation"' in page.content.decode()
    # The receiver cannot close it; the asker can.
    helle.post(reverse("cooperation:consultation_close", args=[consultation.pk]))
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.ANSWERED
    cora.post(reverse("cooperation:consultation_close", args=[consultation.pk]))
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.CLOSED
    # No more replies.
    response = helle.post(reverse("cooperation:consultation_reply", args=[consultation.pk]), {"text": "Én ting til"})
    assert response.status_code == 200
    assert ConsultationReply.objects.count() == 1


def test_a_national_id_in_an_anonymous_consultation_is_refused(world, coop):
    fnr = first_valid_fnr(timezone.localdate().replace(year=1985, month=5, day=17))
    response = _ask(world.client_for(world.clinician), coop["school"], question=f"Gjelder {fnr}, hva gjør vi?")
    assert response.status_code == 200
    assert 'id="id_question_error"' in response.content.decode()
    assert response.context["form"].errors["question"]
    assert not Consultation.objects.exists()
    assert not Notification.objects.exists()


def test_a_patients_name_in_an_anonymous_consultation_is_refused(world, coop):
    response = _ask(world.client_for(world.clinician), coop["school"], title=f"Om {coop['patient']}")
    assert response.status_code == 200
    assert not Consultation.objects.exists()


def test_a_national_id_in_a_reply_to_an_anonymous_consultation_is_refused(world, coop):
    _ask(world.client_for(world.clinician), coop["school"])
    consultation = Consultation.objects.get()
    fnr = first_valid_fnr(timezone.localdate().replace(year=1990, month=1, day=2))
    response = world.client_for(coop["helle"]).post(
        reverse("cooperation:consultation_reply", args=[consultation.pk]), {"text": f"Er det {fnr}?"}
    )
    assert response.status_code == 200
    assert 'id="id_text_error"' in response.content.decode()
    assert not ConsultationReply.objects.exists()
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.OPEN


@pytest.mark.parametrize("to", ["999999", "x", "own"])
def test_consultation_to_a_bad_organisation_changes_nothing(world, coop, to):
    to = str(world.unit.pk) if to == "own" else to
    response = world.client_for(world.clinician).post(
        reverse("cooperation:consultation_new"), {"to_organisation": to, "title": "T", "question": "Q"}
    )
    assert response.status_code == 200
    assert not Consultation.objects.exists()


def test_a_consultation_about_a_person_needs_a_consent(world, coop):
    client = world.client_for(world.clinician)
    url = reverse("cooperation:consultation_new") + f"?person={coop['patient'].pk}"
    page = client.get(url)
    assert page.status_code == 200
    assert str(coop["patient"]) in page.content.decode()
    response = client.post(url, {"to_organisation": coop["school"].pk, "title": "Om Pia", "question": "Råd?"})
    assert response.status_code == 200
    assert 'data-testid="record-consent"' in response.content.decode()
    assert not Consultation.objects.exists()

    consent(coop["cora"], coop["patient"], coop["school"], ["episode"])
    response = client.post(url, {"to_organisation": coop["school"].pk, "title": "Om Pia", "question": "Råd?"})
    consultation = Consultation.objects.get()
    assert consultation.person == coop["patient"]
    # The receiver sees the person while the consent holds; after it is revoked, not the consultation either.
    helle = world.client_for(coop["helle"])
    page = helle.get(reverse("cooperation:consultation", args=[consultation.pk]))
    assert str(coop["patient"]) in page.content.decode()
    revoke_consent(coop["cora"], Consent.objects.get())
    page = helle.get(reverse("cooperation:consultation", args=[consultation.pk]))
    assert page.status_code == 404
    assert str(coop["patient"]) not in page.content.decode()
    # The group leader of the asking unit, who may not see Pia, does not see the name either.
    page = world.client_for(world.group_leader).get(reverse("cooperation:consultation", args=[consultation.pk]))
    assert page.status_code == 200
    assert str(coop["patient"]) not in page.content.decode()


@pytest.mark.parametrize("person", ["foreign", "999999", "abc", "9" * 30])
def test_consultation_about_someone_not_visible_is_not_found(world, coop, person):
    if person == "foreign":
        _e, foreign, _c = family(world.actor(world.outsider), given_name="Fremmed")
        person = foreign.pk
    response = world.client_for(world.clinician).get(reverse("cooperation:consultation_new") + f"?person={person}")
    assert response.status_code == 404


def test_consultations_of_others_are_not_found(world, coop):
    _ask(world.client_for(world.clinician), coop["school"])
    consultation = Consultation.objects.get()
    otto = world.client_for(world.outsider)
    assert otto.get(reverse("cooperation:consultation", args=[consultation.pk])).status_code == 404
    assert (
        otto.post(reverse("cooperation:consultation_reply", args=[consultation.pk]), {"text": "Hei"}).status_code == 404
    )
    assert otto.post(reverse("cooperation:consultation_close", args=[consultation.pk])).status_code == 404
    assert list(otto.get(reverse("cooperation:consultations")).context["consultations"]) == []
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.OPEN
    assert not ConsultationReply.objects.exists()


def test_the_consultation_list_names_persons_only_for_the_asker_and_audits_them(world, coop):
    consent(coop["cora"], coop["patient"], coop["school"], ["episode"])
    services.ask_consultation(
        coop["cora"], to_organisation_id=coop["school"].pk, title="Råd", question="Hva nå?", person=coop["patient"]
    )
    page = world.client_for(world.clinician).get(reverse("cooperation:consultations"))
    assert str(coop["patient"]) in page.content.decode()
    assert _audit_rows(world.clinician, subject=coop["patient"], object_type="referrals.consultation").exists()
    page = world.client_for(coop["helle"]).get(reverse("cooperation:consultations"))
    assert str(coop["patient"]) not in page.content.decode()


# --- Who does what ---------------------------------------------------------------------------------


def test_the_episode_page_shows_the_childs_agreements(world, coop):
    services.set_agreement(coop["cora"], coop["child"], task="school", responsible_organisation_id=coop["school"].pk)
    html = world.client_for(world.clinician).get(reverse("care:episode", args=[coop["episode"].pk])).content.decode()
    card = html.split('data-testid="child-agreements"')[1]
    assert coop["school"].name in card
    assert reverse("cooperation:agreements", args=[coop["child"].pk]) in card


def test_agreements_are_listed_and_set(world, coop):
    client = world.client_for(world.clinician)
    url = reverse("cooperation:agreements", args=[coop["child"].pk])
    page = client.get(url)
    assert page.status_code == 200
    assert _audit_rows(world.clinician, subject=coop["child"]).exists()
    response = client.post(url, {"task": "talks", "responsible_organisation": coop["school"].pk, "note": "Ukentlig"})
    assert response.status_code == 302
    agreement = ChildAgreement.objects.get()
    assert (agreement.task, agreement.responsible_organisation, agreement.note) == ("talks", coop["school"], "Ukentlig")
    # The same task again replaces the responsible service.
    client.post(url, {"task": "talks", "responsible_organisation": world.unit.pk})
    assert ChildAgreement.objects.get().responsible_organisation == world.unit
    html = client.get(url).content.decode()
    assert world.unit.name in html.split('data-task="talks"')[1].split("</tr>")[0]


@pytest.mark.parametrize(
    "data",
    [
        {"task": "talks", "responsible_organisation": "999999"},
        {"task": "juggling", "responsible_organisation": "OWN"},
        {"task": "talks", "responsible_organisation": ""},
    ],
)
def test_bad_agreement_input_changes_nothing(world, coop, data):
    data = {k: (str(world.unit.pk) if v == "OWN" else v) for k, v in data.items()}
    response = world.client_for(world.clinician).post(reverse("cooperation:agreements", args=[coop["child"].pk]), data)
    assert response.status_code == 200
    assert not ChildAgreement.objects.exists()


def test_a_receiver_who_sees_the_childs_situation_sees_and_sets_agreements(world, coop):
    consent(coop["cora"], coop["patient"], coop["school"], ["children"])
    helle = world.client_for(coop["helle"])
    shared = helle.get(reverse("consent:shared_person", args=[coop["child"].pk])).content.decode()
    url = reverse("cooperation:agreements", args=[coop["child"].pk])
    assert url in shared
    assert helle.get(url).status_code == 200
    helle.post(url, {"task": "school", "responsible_organisation": coop["school"].pk})
    assert ChildAgreement.objects.get().recorded_by_organisation == coop["school"]
    # A role there without edit rights sees the agreements but may not set them.
    reader = nurse(coop["school"], "gerd@example.no", Role.GROUP_LEADER)
    reader_client = world.client_for(reader)
    assert reader_client.get(url).status_code == 200
    assert reader_client.post(url, {"task": "talks", "responsible_organisation": coop["school"].pk}).status_code == 403
    assert ChildAgreement.objects.count() == 1


def test_agreements_of_a_foreign_child_are_not_found(world, coop):
    url = reverse("cooperation:agreements", args=[coop["child"].pk])
    for user in (world.outsider, world.group_leader):
        client = world.client_for(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"task": "talks", "responsible_organisation": world.unit.pk}).status_code == 404
    assert world.client_for(world.clinician).get(reverse("cooperation:agreements", args=[999999])).status_code == 404
    assert not ChildAgreement.objects.exists()


# --- Notifications ---------------------------------------------------------------------------------


def test_notifications_are_listed_counted_and_marked_read(world, coop):
    _refer(coop)
    helle = world.client_for(coop["helle"])
    page = helle.get(reverse("cooperation:notifications"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-unread="true"' in html
    assert 'data-testid="unread-count">1<' in html
    notification = Notification.objects.get(organisation=coop["school"])
    assert f'href="/cooperation/referrals/{notification.url.split("/")[-2]}/"' in html
    response = helle.post(reverse("cooperation:notification_read", args=[notification.pk]))
    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.read_at is not None
    html = helle.get(reverse("cooperation:notifications")).content.decode()
    assert 'data-unread="true"' not in html
    assert 'data-testid="unread-count"' not in html


def test_notifications_of_others_are_not_found(world, coop):
    _refer(coop)
    notification = Notification.objects.get(organisation=coop["school"])
    response = world.client_for(world.outsider).post(reverse("cooperation:notification_read", args=[notification.pk]))
    assert response.status_code == 404
    assert (
        world.client_for(world.clinician)
        .post(reverse("cooperation:notification_read", args=[notification.pk]))
        .status_code
        == 404
    )
    notification.refresh_from_db()
    assert notification.read_at is None
    assert list(world.client_for(world.outsider).get(reverse("cooperation:notifications")).context["page"]) == []


def test_a_personal_notification_is_only_for_its_user(world, coop):
    services.notify(world.unit, "consultation", "Til Cora", "/cooperation/consultations/", user=world.clinician)
    assert "Til Cora" in world.client_for(world.clinician).get(reverse("cooperation:notifications")).content.decode()
    assert (
        "Til Cora" not in world.client_for(world.coordinator).get(reverse("cooperation:notifications")).content.decode()
    )


def test_the_unread_count_is_one_cheap_query(world, coop):
    services.notify(world.unit, "consultation", "Ny", "/cooperation/consultations/")
    client = world.client_for(world.clinician)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("start")).content.decode()
    assert 'data-testid="unread-count">1<' in html
    notification_queries = [q["sql"] for q in queries if "referrals_notification" in q["sql"]]
    assert len(notification_queries) == 1
    assert "COUNT(" in notification_queries[0].upper()
    # Roles without personal data get no count and no query.
    with CaptureQueriesContext(connection) as queries:
        html = world.client_for(world.analyst).get(reverse("start")).content.decode()
    assert 'data-testid="nav-notifications"' not in html
    assert not [q for q in queries if "referrals_notification" in q["sql"]]


# --- Navigation and links --------------------------------------------------------------------------


def test_nav_links_for_roles_with_personal_data(world):
    html = world.client_for(world.group_leader).get(reverse("start")).content.decode()
    for testid in ("nav-referrals", "nav-consultations", "nav-notifications"):
        assert f'data-testid="{testid}"' in html
    html = world.client_for(world.admin).get(reverse("start")).content.decode()
    for testid in ("nav-referrals", "nav-consultations", "nav-notifications"):
        assert f'data-testid="{testid}"' not in html


def test_the_person_page_links_to_referral_and_consultation(world, coop):
    html = world.client_for(world.clinician).get(reverse("people:person", args=[coop["patient"].pk])).content.decode()
    assert reverse("cooperation:referral_new", args=[coop["patient"].pk]) in html
    assert reverse("cooperation:consultation_new") + f"?person={coop['patient'].pk}" in html
