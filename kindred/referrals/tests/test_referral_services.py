"""Referrals, consultations, who-does-what agreements and reminders between organisation A (the unit) and B
(a school health service), through the services."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.http import Http404

from kindred.audit.models import AccessLog
from kindred.care import services as care
from kindred.care.tests.factories import fnr_for
from kindred.consent.models import Category
from kindred.consent.services import revoke_consent
from kindred.consent.tests.cooperation import Cooperation, build, today, with_national_id
from kindred.people.services import PersonData
from kindred.referrals import services
from kindred.referrals.models import (
    ChildAgreement,
    Consultation,
    ConsultationReply,
    Notification,
    Referral,
    ReferralEvent,
)
from kindred.referrals.services import NoConsent, ReferralData

pytestmark = pytest.mark.django_db

S = Referral.Status


def referral_data(coop: Cooperation, **overrides) -> ReferralData:
    fields = {
        "to_organisation_id": coop.school.pk,
        "reason": "Needs follow-up at school",
        "categories": [Category.EPISODE],
    }
    fields.update(overrides)
    return ReferralData(**fields)


def counts() -> tuple[int, ...]:
    return (
        Referral.objects.count(),
        ReferralEvent.objects.count(),
        Notification.objects.count(),
        AccessLog.objects.count(),
        len(mail.outbox),
    )


@pytest.fixture
def coop(world) -> Cooperation:
    return build(world)


# --- Creating referrals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "consent",
    [
        None,
        {"categories": [Category.CHILDREN]},  # does not cover the episode category
        {"recipient_organisation_id": "third"},  # another organisation
        {"valid_from": -30, "valid_until": -1},  # expired
        {"valid_from": 3, "valid_until": 30},  # not yet valid
        {"revoked": True},
    ],
    ids=["no consent", "other category", "other organisation", "expired", "not yet valid", "revoked"],
)
def test_a_referral_without_a_covering_consent_is_refused_and_nothing_is_stored(coop, consent):
    if consent is not None:
        fields = dict(consent)
        revoked = fields.pop("revoked", False)
        if fields.get("recipient_organisation_id") == "third":
            fields["recipient_organisation_id"] = coop.third.pk
        for key in ("valid_from", "valid_until"):
            if key in fields:
                fields[key] = today() + timedelta(days=fields[key])
        recorded = coop.consent(**fields)
        if revoked:
            revoke_consent(coop.a, recorded)
    mail.outbox.clear()
    before = counts()
    with pytest.raises(NoConsent) as refused:
        services.create_referral(coop.a, coop.parent, referral_data(coop))
    assert "to_organisation" in refused.value.message_dict
    assert counts() == before


def test_invalid_referrals_are_refused_by_field(coop, world):
    coop.consent()
    stranger = care.register_patient(
        coop.a,
        PersonData(given_name="Sam", family_name="Stranger", birth_year=1990),
        care.EpisodeData(kind="outpatient", started_on=today()),
    ).patient
    before = counts()
    cases = [
        ({"to_organisation_id": 999_999}, "to_organisation"),
        ({"to_organisation_id": world.unit.pk}, "to_organisation"),
        ({"reason": "  "}, "reason"),
        ({"urgency": "whenever"}, "urgency"),
        ({"categories": []}, "categories"),
        ({"categories": ["everything"]}, "categories"),
        ({"child_ids": (stranger.pk,)}, "children"),  # visible, but not Pia's child
        ({"child_ids": (999_999,)}, "children"),
    ]
    for overrides, field in cases:
        with pytest.raises(ValidationError) as refused:
            services.create_referral(coop.a, coop.parent, referral_data(coop, **overrides))
        assert field in refused.value.message_dict, overrides
        assert not isinstance(refused.value, NoConsent)
    assert counts() == before


def test_roles_without_edit_cases_cannot_refer(coop, world):
    coop.consent()
    with pytest.raises(PermissionError):
        services.create_referral(world.actor(world.group_leader), coop.parent, referral_data(coop))
    assert Referral.objects.count() == 0


# --- The status workflow ----------------------------------------------------------------------------


def assert_step(referral: Referral, status: str, by, notified) -> None:
    """The last change wrote an event, an audit row and a notification for the other organisation."""
    referral.refresh_from_db()
    assert referral.status == status
    event = referral.events.last()
    assert (event.status, event.by, event.organisation) == (status, by.user, by.organisation)
    row = AccessLog.objects.filter(object_type="referrals.referral", object_id=str(referral.pk)).latest("pk")
    assert (row.details, row.user, row.subject_id) == ({"status": status}, by.user, referral.person_id)
    notification = Notification.objects.latest("pk")
    assert notification.organisation == notified and notification.kind == "referral"
    assert notification.url == f"/cooperation/referrals/{referral.pk}/"


def refused(actor, referral: Referral, status: str, **kwargs) -> None:
    before = (referral.status, ReferralEvent.objects.count(), Notification.objects.count())
    with pytest.raises(ValidationError) as error:
        services.change_status(actor, referral, status, **kwargs)
    assert set(error.value.message_dict) & {"status", "decline_reason"}
    referral.refresh_from_db()
    assert (referral.status, ReferralEvent.objects.count(), Notification.objects.count()) == before


def test_the_full_workflow_sender_and_receiver(coop, world):
    coop.consent()
    a, b = coop.a, coop.b
    referral = services.create_referral(a, coop.parent, referral_data(coop, child_ids=(coop.child.pk,)), send=False)
    assert referral.status == S.DRAFT and list(referral.children.all()) == [coop.child]
    assert [e.status for e in referral.events.all()] == [S.DRAFT]
    create_row = AccessLog.objects.filter(object_type="referrals.referral").get()
    assert create_row.action == "create"
    assert Notification.objects.count() == 0

    # A draft is the sender's alone.
    with pytest.raises(Http404):
        services.get_referral(b, referral.pk)
    refused(b, referral, S.SENT)
    refused(b, referral, S.ACCEPTED)

    services.send_referral(a, referral)
    assert_step(referral, S.SENT, a, coop.school)
    assert referral.sent_at is not None
    assert services.get_referral(b, referral.pk) == referral
    assert list(services.inbox(b)) == [referral]
    assert list(services.outbox(a)) == [referral]

    # Only the receiver marks received, accepts or declines; only the sender sends or withdraws.
    refused(a, referral, S.RECEIVED)
    refused(a, referral, S.ACCEPTED)
    refused(a, referral, S.DECLINED, decline_reason="no_capacity")
    refused(b, referral, S.WITHDRAWN)
    refused(b, referral, S.SENT)  # not from sent, and not B's to make
    refused(b, referral, S.COMPLETED)  # only an accepted referral is completed
    refused(b, referral, S.DRAFT)  # not a status one moves to

    services.change_status(b, referral, S.RECEIVED, note="Looking at it")
    assert_step(referral, S.RECEIVED, b, world.unit)
    assert referral.events.last().note == "Looking at it"
    refused(b, referral, S.RECEIVED)

    services.change_status(b, referral, S.ACCEPTED)
    assert_step(referral, S.ACCEPTED, b, world.unit)
    assert referral.decided_at is not None
    refused(b, referral, S.DECLINED, decline_reason="no_capacity")
    refused(b, referral, S.ACCEPTED)

    services.change_status(a, referral, S.COMPLETED)
    assert_step(referral, S.COMPLETED, a, coop.school)
    refused(a, referral, S.WITHDRAWN)
    refused(b, referral, S.COMPLETED)
    assert [e.status for e in referral.events.all()] == [S.DRAFT, S.SENT, S.RECEIVED, S.ACCEPTED, S.COMPLETED]
    assert list(services.inbox(b)) == []


def test_the_receiver_may_complete_and_declining_needs_a_reason(coop, world):
    coop.consent()
    first = services.create_referral(coop.a, coop.parent, referral_data(coop))
    services.change_status(coop.b, first, S.ACCEPTED)
    services.change_status(coop.b, first, S.COMPLETED)
    assert_step(first, S.COMPLETED, coop.b, world.unit)

    second = services.create_referral(coop.a, coop.parent, referral_data(coop))
    refused(coop.b, second, S.DECLINED)
    refused(coop.b, second, S.DECLINED, decline_reason="bored")
    services.change_status(coop.b, second, S.DECLINED, decline_reason="not_our_service")
    assert_step(second, S.DECLINED, coop.b, world.unit)
    assert second.decline_reason == "not_our_service"
    refused(coop.b, second, S.ACCEPTED)
    refused(coop.a, second, S.WITHDRAWN)


def test_the_sender_may_withdraw_until_completed(coop):
    coop.consent()
    referral = services.create_referral(coop.a, coop.parent, referral_data(coop))
    services.change_status(coop.b, referral, S.ACCEPTED)
    services.change_status(coop.a, referral, S.WITHDRAWN, note="Moved away")
    assert_step(referral, S.WITHDRAWN, coop.a, coop.school)
    refused(coop.a, referral, S.WITHDRAWN)
    refused(coop.b, referral, S.COMPLETED)


def test_changing_status_needs_edit_cases_and_outsiders_see_nothing(coop, world):
    coop.consent()
    referral = services.create_referral(coop.a, coop.parent, referral_data(coop))
    with pytest.raises(PermissionError):
        services.change_status(world.actor(world.group_leader), referral, S.WITHDRAWN)
    outsider = world.actor(world.outsider)
    with pytest.raises(Http404):
        services.get_referral(outsider, referral.pk)
    refused(outsider, referral, S.ACCEPTED)
    assert list(services.inbox(outsider)) == [] and list(services.outbox(outsider)) == []


def test_accepting_is_refused_once_the_consent_is_revoked(coop):
    consent = coop.consent()
    referral = services.create_referral(coop.a, coop.parent, referral_data(coop))
    assert referral.consent == consent
    revoke_consent(coop.a, consent)
    refused(coop.b, referral, S.ACCEPTED)
    # Declining stays possible, and so does withdrawing.
    services.change_status(coop.b, referral, S.DECLINED, decline_reason="missing_information")


def test_e_mails_hold_a_link_and_no_personal_data(coop, world):
    national_id = with_national_id(coop.parent)
    coop.consent()
    mail.outbox.clear()
    referral = services.create_referral(coop.a, coop.parent, referral_data(coop, child_ids=(coop.child.pk,)))
    services.change_status(coop.b, referral, S.ACCEPTED)
    assert mail.outbox
    link = settings.SITE_URL.rstrip("/") + f"/cooperation/referrals/{referral.pk}/"
    to_school = [m for m in mail.outbox if m.to == [coop.nurse.email]]
    to_unit = {r for m in mail.outbox for r in m.to} - {coop.nurse.email}
    assert to_school and all(link in m.body for m in mail.outbox)
    # The unit's members who see personal data are told; those who do not are not.
    assert world.clinician.email in to_unit and world.analyst.email not in to_unit and world.admin.email not in to_unit
    for message in mail.outbox:
        text = f"{message.subject}\n{message.body}"
        for secret in ("Pia", "Parent", "Kim", national_id, national_id[:6], "follow-up at school"):
            assert secret.lower() not in text.lower(), secret
    for notification in Notification.objects.all():
        assert "Pia" not in notification.message and "Kim" not in notification.message


# --- Consultations -------------------------------------------------------------------------------


def ask(coop: Cooperation, question: str, *, title: str = "Advice on a family", person=None) -> Consultation:
    return services.ask_consultation(
        coop.a, to_organisation_id=coop.school.pk, title=title, question=question, person=person
    )


def test_an_anonymous_consultation_is_allowed(coop):
    consultation = ask(coop, "A parent in treatment has a child of eight. How do we involve the school?")
    assert consultation.person is None and consultation.consent is None
    assert Notification.objects.get().organisation == coop.school
    answer = services.reply_to_consultation(coop.b, consultation, "Call the school nurse, without names.")
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.ANSWERED and answer.organisation == coop.school
    # A number that is not a valid national id is fine.
    ask(coop, "Our phone is 12345678901, call any time.")


@pytest.mark.parametrize(
    "question",
    [
        "The father, {fnr}, drinks a lot.",
        "The father ({fnr_spaced}) drinks a lot.",
        "How do we help Pia Parent with her boy?",
        "how do we help PIA PARENT with her boy?",
    ],
)
def test_an_anonymous_question_that_identifies_someone_is_refused(coop, question):
    number = fnr_for(date(1980, 5, 17))
    question = question.format(fnr=number, fnr_spaced=f"{number[:6]} {number[6:]}")
    before = (Consultation.objects.count(), Notification.objects.count())
    with pytest.raises(ValidationError) as error:
        ask(coop, question)
    assert "question" in error.value.message_dict
    assert (Consultation.objects.count(), Notification.objects.count()) == before
    with pytest.raises(ValidationError):
        ask(coop, "Anonymous question", title=question)


def test_an_anonymous_reply_that_identifies_someone_is_refused(coop):
    consultation = ask(coop, "How do we involve the school?")
    care.register_patient(
        coop.b,
        PersonData(given_name="Ola", family_name="Nordmann", birth_year=2012),
        care.EpisodeData(kind="outpatient", started_on=today()),
    )
    for actor, text in (
        (coop.b, f"Is it {fnr_for(date(1980, 5, 17))}?"),
        (coop.b, "Sounds like Ola Nordmann, our pupil."),
        (coop.a, "Yes, it is Pia Parent."),
    ):
        with pytest.raises(ValidationError) as error:
            services.reply_to_consultation(actor, consultation, text)
        assert "text" in error.value.message_dict
    assert ConsultationReply.objects.count() == 0


def test_with_consent_the_person_may_be_linked_and_named(coop):
    with pytest.raises(ValidationError) as error:
        ask(coop, "About Pia Parent", person=coop.parent)
    assert "person" in error.value.message_dict
    consent = coop.consent(categories=[Category.EPISODE])
    consultation = ask(coop, "How do we help Pia Parent with her boy?", person=coop.parent)
    assert (consultation.person, consultation.consent) == (coop.parent, consent)
    services.reply_to_consultation(coop.b, consultation, "Let Pia Parent call us.")

    assert services.get_consultation(coop.b, consultation.pk).person == coop.parent
    revoke_consent(coop.a, consent)
    # The consultation existed under the consent: the receiver loses it entirely.
    with pytest.raises(Http404):
        services.get_consultation(coop.b, consultation.pk)
    assert services.get_consultation(coop.a, consultation.pk).person == coop.parent


def test_consultations_are_for_the_two_organisations_and_only_the_asker_closes(coop, world):
    consultation = ask(coop, "How do we involve the school?")
    with pytest.raises(Http404):
        services.get_consultation(world.actor(world.outsider), consultation.pk)
    with pytest.raises(ValidationError):
        services.close_consultation(coop.b, consultation)
    services.close_consultation(coop.a, consultation)
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.CLOSED
    with pytest.raises(ValidationError):
        services.reply_to_consultation(coop.b, consultation, "Late answer")


# --- Who does what for a child ----------------------------------------------------------------------


def test_agreements_set_update_and_visibility(coop, world):
    a, b = coop.a, coop.b
    first = services.set_agreement(a, coop.child, task="talks", responsible_organisation_id=world.unit.pk)
    again = services.set_agreement(
        a, coop.child, task="talks", responsible_organisation_id=coop.school.pk, note=" School nurse "
    )
    assert again.pk == first.pk and ChildAgreement.objects.count() == 1
    assert (again.responsible_organisation, again.note) == (coop.school, "School nurse")
    rows = AccessLog.objects.filter(object_type="referrals.childagreement").order_by("pk")
    assert [r.action for r in rows] == ["create", "change"] and {r.subject_id for r in rows} == {coop.child.pk}
    with pytest.raises(ValidationError) as error:
        services.set_agreement(a, coop.child, task="juggling", responsible_organisation_id=999_999)
    assert set(error.value.message_dict) == {"task", "responsible_organisation"}

    # B sees and sets agreements only with a consent covering the children's situation.
    with pytest.raises(Http404):
        services.agreements_for(b, coop.child)
    coop.consent(categories=[Category.EPISODE])
    with pytest.raises(Http404):
        services.agreements_for(b, coop.child)
    with pytest.raises(Http404):
        services.set_agreement(b, coop.child, task="school", responsible_organisation_id=coop.school.pk)
    consent = coop.consent(categories=[Category.CHILDREN])
    assert list(services.agreements_for(b, coop.child)) == [again]
    services.set_agreement(b, coop.child, task="school", responsible_organisation_id=coop.school.pk)
    assert [x.task for x in services.agreements_for(a, coop.child)] == ["school", "talks"]
    revoke_consent(a, consent)
    with pytest.raises(Http404):
        services.agreements_for(b, coop.child)
    with pytest.raises(Http404):
        services.agreements_for(world.actor(world.outsider), coop.child)


# --- Reminders ---------------------------------------------------------------------------------------


def test_reminders_for_expiring_consents_are_sent_once(coop, world):
    days = settings.CONSENT_EXPIRY_WARNING_DAYS
    soon = coop.consent(valid_until=today() + timedelta(days=days))
    coop.consent(valid_until=today() + timedelta(days=days + 1))  # not yet
    revoked = coop.consent(valid_until=today() + timedelta(days=1))
    revoke_consent(coop.a, revoked)
    mail.outbox.clear()

    assert services.send_reminders() == 1
    notification = Notification.objects.get()
    assert (notification.organisation, notification.kind) == (world.unit, "consent_expiring")
    assert notification.dedupe_key == f"consent-expiring-{soon.pk}"
    assert notification.url == f"/people/{coop.parent.pk}/"
    assert mail.outbox and all("Pia" not in m.body for m in mail.outbox)

    sent = len(mail.outbox)
    assert services.send_reminders() == 0
    assert services.send_reminders(today() + timedelta(days=1)) == 1  # the second one is now within the window
    assert Notification.objects.filter(kind="consent_expiring").count() == 2
    assert services.send_reminders(today() + timedelta(days=2)) == 0
    assert len(mail.outbox) > sent


def test_reminders_for_overdue_concern_feedback_are_sent_once(coop, world):
    def report(days_ago: int):
        return care.send_concern_report(
            coop.a,
            coop.episode,
            coop.child,
            care.ConcernData(
                recipient="Barneverntjenesten",
                basis="own_initiative",
                reason="Worry",
                parent_informed=True,
                sent_on=today() - timedelta(days=days_ago),
            ),
        )

    overdue = report(22)
    report(21)  # due today: not overdue yet
    answered = report(40)
    care.record_concern_feedback(coop.a, answered, feedback_on=today(), status="received")

    assert services.send_reminders() == 1
    notification = Notification.objects.get()
    assert (notification.organisation, notification.kind) == (world.unit, "concern_feedback")
    assert notification.dedupe_key == f"concern-feedback-{overdue.pk}"
    assert notification.url == f"/care/episodes/{coop.episode.pk}/"
    assert services.send_reminders() == 0
    assert services.send_reminders(today() + timedelta(days=1)) == 1
    assert services.send_reminders(today() + timedelta(days=1)) == 0


def test_notifications_are_for_the_organisation_and_marked_read(coop, world):
    coop.consent()
    services.create_referral(coop.a, coop.parent, referral_data(coop))
    [notification] = services.notifications_for(coop.b)
    assert list(services.notifications_for(world.actor(world.clinician))) == []
    services.mark_read(world.actor(world.outsider), notification.pk)
    notification.refresh_from_db()
    assert notification.read_at is None
    services.mark_read(coop.b, notification.pk)
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_a_linked_consultation_disappears_for_the_receiver_when_the_consent_ends(world):
    """A consultation about a person exists under consent; revoking it ends the receiver's access to it."""
    from datetime import timedelta

    from django.http import Http404
    from django.utils import timezone

    from kindred.care import services as care
    from kindred.consent.services import ConsentData, record_consent, revoke_consent
    from kindred.people.services import PersonData
    from kindred.referrals import services as coop

    cora = world.actor(world.clinician)
    today = timezone.localdate()
    episode = care.register_patient(
        cora,
        PersonData(given_name="Lin", family_name="Li", birth_year=1980),
        care.EpisodeData(kind="outpatient", started_on=today),
    )
    consent = record_consent(
        cora,
        episode.patient,
        ConsentData(
            categories=["episode"],
            purpose="Drøfting",
            valid_from=today,
            valid_until=today + timedelta(days=30),
            form="verbal",
            recipient_organisation_id=world.other.pk,
        ),
    )
    consultation = coop.ask_consultation(
        cora, to_organisation_id=world.other.pk, title="Råd", question="Hva gjør vi?", person=episode.patient
    )
    otto = world.actor(world.outsider)
    assert coop.get_consultation(otto, consultation.pk).person == episode.patient
    assert coop.visible_consultations(otto).count() == 1
    revoke_consent(cora, consent)
    with pytest.raises(Http404):
        coop.get_consultation(otto, consultation.pk)
    assert coop.visible_consultations(otto).count() == 0
    assert coop.get_consultation(cora, consultation.pk).person == episode.patient


def test_a_referral_leaves_the_inbox_and_hides_the_person_when_its_consent_ends(world):
    from datetime import timedelta

    from django.utils import timezone

    from kindred.care import services as care
    from kindred.consent.services import ConsentData, record_consent, revoke_consent
    from kindred.people.services import PersonData
    from kindred.referrals import services as coop

    cora, otto = world.actor(world.clinician), world.actor(world.outsider)
    today = timezone.localdate()
    episode = care.register_patient(
        cora,
        PersonData(given_name="Ola", family_name="Nordmann", birth_year=1980),
        care.EpisodeData(kind="outpatient", started_on=today),
    )
    consent = record_consent(
        cora,
        episode.patient,
        ConsentData(
            categories=["episode"],
            purpose="Oppfølging",
            valid_from=today,
            valid_until=today + timedelta(days=30),
            form="verbal",
            recipient_organisation_id=world.other.pk,
        ),
    )
    referral = coop.create_referral(
        cora,
        episode.patient,
        coop.ReferralData(to_organisation_id=world.other.pk, reason="Trenger oppfølging", categories=["episode"]),
    )
    assert list(coop.inbox(otto)) == [referral]
    assert coop.shown_on_referral(otto, referral, episode.patient)
    revoke_consent(cora, consent)
    assert list(coop.inbox(otto)) == []
    assert not coop.shown_on_referral(otto, referral, episode.patient)
    assert coop.shown_on_referral(cora, referral, episode.patient)
