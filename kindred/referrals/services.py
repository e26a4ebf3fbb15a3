"""Cooperation between organisations: referrals, consultations, who-does-what agreements, notifications."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kindred.audit.services import Action, record
from kindred.consent.models import Category
from kindred.consent.services import covering_consent, shared_persons, shares_for, shares_for_many
from kindred.orgs.actors import Actor
from kindred.orgs.models import Capability, Membership, Organisation
from kindred.people.access import visible_persons
from kindred.people.models import Person, Relationship
from kindred.referrals.models import (
    ChildAgreement,
    Consultation,
    ConsultationReply,
    Notification,
    Referral,
    ReferralEvent,
)

S = Referral.Status


def _require(actor: Actor, capability: str) -> None:
    if not actor.can(capability):
        raise PermissionError(capability)


# --- Notifications ------------------------------------------------------------------------------


def notify(organisation: Organisation, kind: str, message: str, url: str, *, user=None, dedupe_key: str = "") -> None:
    """An in-app notification and an e-mail with only the message and a link: never personal data."""
    if dedupe_key and Notification.objects.filter(dedupe_key=dedupe_key).exists():
        return
    Notification.objects.create(
        organisation=organisation, user=user, kind=kind, message=message[:200], url=url, dedupe_key=dedupe_key
    )
    if user is not None:
        recipients = [user.email]
    else:
        members = Membership.objects.filter(organisation=organisation).select_related("user")
        recipients = sorted({m.user.email for m in members if m.can(Capability.VIEW_PERSONAL_DATA)})
    link = settings.SITE_URL.rstrip("/") + url
    body = _("%(message)s\n\nOpen Kindred to read it: %(link)s") % {"message": message, "link": link}
    subject = _("Kindred: %(kind)s") % {"kind": Notification.Kind(kind).label}
    send_mass_mail([(subject, body, settings.DEFAULT_FROM_EMAIL, [r]) for r in recipients], fail_silently=True)


def notifications_for(actor: Actor) -> QuerySet[Notification]:
    if actor.organisation is None:
        return Notification.objects.none()
    return Notification.objects.filter(organisation=actor.organisation).filter(
        Q(user=actor.user) | Q(user__isnull=True)
    )


def mark_read(actor: Actor, pk) -> None:
    notifications_for(actor).filter(pk=pk, read_at__isnull=True).update(read_at=timezone.now())


# --- Referrals ---------------------------------------------------------------------------------


@dataclass
class ReferralData:
    to_organisation_id: int
    reason: str
    categories: list[str]
    urgency: str = Referral.Urgency.NORMAL
    contact_person: str = ""
    child_ids: tuple[int, ...] = ()


class NoConsent(ValidationError):
    """The consent does not cover the receiver or the information; the form offers to record one."""


@transaction.atomic
def create_referral(actor: Actor, person: Person, data: ReferralData, *, send: bool = True) -> Referral:
    """Refer a person the actor holds to another organisation, within a valid consent."""
    _require(actor, Capability.EDIT_CASES)
    errors: dict[str, str] = {}
    to = Organisation.objects.filter(pk=data.to_organisation_id).first()
    if to is None:
        errors["to_organisation"] = _("Unknown organisation.")
    elif to.pk == actor.organisation.pk:
        errors["to_organisation"] = _("A referral goes to another organisation.")
    if not data.reason.strip():
        errors["reason"] = _("Give the reason for the referral.")
    if data.urgency not in Referral.Urgency.values:
        errors["urgency"] = _("Choose the urgency.")
    if not data.categories or set(data.categories) - set(Category.values):
        errors["categories"] = _("Choose what information the referral shares.")
    own_children = Relationship.objects.filter(person=person, kind=Relationship.Kind.PARENT_OF).values("other")
    children = (
        list(visible_persons(actor).filter(pk__in=data.child_ids).filter(pk__in=own_children)) if data.child_ids else []
    )
    if len(children) != len(set(data.child_ids)):
        errors["children"] = _("Choose children of this person.")
    if errors:
        raise ValidationError(errors)
    consent = covering_consent(person, to, actor.organisation, data.categories)
    if consent is None:
        raise NoConsent(
            {
                "to_organisation": _(
                    "No valid consent from this person covers %(organisation)s for the information chosen. "
                    "Record a consent first."
                )
                % {"organisation": to.name}
            }
        )
    referral = Referral.objects.create(
        from_organisation=actor.organisation,
        to_organisation=to,
        person=person,
        consent=consent,
        categories=sorted(set(data.categories)),
        reason=data.reason.strip(),
        urgency=data.urgency,
        contact_person=data.contact_person.strip(),
        created_by=actor.user,
    )
    referral.children.set(children)
    _event(actor, referral, S.DRAFT)
    if send:
        send_referral(actor, referral)
    return referral


# Who may move a referral from which statuses to which: sender (A) or receiver (B).
TRANSITIONS = {
    S.SENT: ("from", (S.DRAFT,)),
    S.RECEIVED: ("to", (S.SENT,)),
    S.ACCEPTED: ("to", (S.SENT, S.RECEIVED)),
    S.DECLINED: ("to", (S.SENT, S.RECEIVED)),
    S.COMPLETED: ("either", (S.ACCEPTED,)),
    S.WITHDRAWN: ("from", (S.DRAFT, S.SENT, S.RECEIVED, S.ACCEPTED)),
}


def _event(actor: Actor, referral: Referral, status: str, note: str = "") -> None:
    ReferralEvent.objects.create(
        referral=referral, status=status, by=actor.user, organisation=actor.organisation, note=note
    )
    record(actor, Action.CREATE if status == S.DRAFT else Action.CHANGE, referral, details={"status": status})


@transaction.atomic
def change_status(
    actor: Actor, referral: Referral, status: str, *, note: str = "", decline_reason: str = ""
) -> Referral:
    _require(actor, Capability.EDIT_CASES)
    if status not in TRANSITIONS:
        raise ValidationError({"status": _("Unknown status.")})
    side, allowed_from = TRANSITIONS[status]
    org = actor.organisation.pk
    is_from, is_to = referral.from_organisation_id == org, referral.to_organisation_id == org
    if not ((side == "from" and is_from) or (side == "to" and is_to) or (side == "either" and (is_from or is_to))):
        raise ValidationError({"status": _("Your organisation cannot make this change.")})
    if referral.status not in allowed_from:
        raise ValidationError(
            {
                "status": _("A referral that is %(current)s cannot become %(new)s.")
                % {"current": referral.get_status_display().lower(), "new": S(status).label.lower()}
            }
        )
    if status == S.DECLINED and decline_reason not in Referral.DeclineReason.values[1:]:
        raise ValidationError({"decline_reason": _("Give the reason for declining.")})
    if (
        status == S.ACCEPTED
        and covering_consent(referral.person, referral.to_organisation, referral.from_organisation, referral.categories)
        is None
    ):
        raise ValidationError({"status": _("The consent behind this referral is no longer valid.")})
    now = timezone.now()
    referral.status = status
    if status == S.SENT:
        referral.sent_at = now
    if status in (S.ACCEPTED, S.DECLINED):
        referral.decided_at = now
        referral.decline_reason = decline_reason if status == S.DECLINED else ""
    referral.save()
    _event(actor, referral, status, note.strip())
    other = referral.to_organisation if is_from else referral.from_organisation
    notify(
        other,
        Notification.Kind.REFERRAL,
        _("A referral has a new status: %(status)s.") % {"status": S(status).label},
        f"/cooperation/referrals/{referral.pk}/",
    )
    return referral


def send_referral(actor: Actor, referral: Referral) -> Referral:
    return change_status(actor, referral, S.SENT)


def visible_referrals(actor: Actor) -> QuerySet[Referral]:
    if not actor.can(Capability.VIEW_PERSONAL_DATA):
        return Referral.objects.none()
    org = actor.organisation
    own = Q(from_organisation=org, person__in=visible_persons(actor))
    received = Q(to_organisation=org) & ~Q(status=S.DRAFT)
    return Referral.objects.filter(own | received)


def get_referral(actor: Actor, pk) -> Referral:
    try:
        referral = (
            visible_referrals(actor)
            .select_related("person", "from_organisation", "to_organisation", "consent")
            .get(pk=int(pk))
        )
    except (Referral.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    record(actor, Action.VIEW, referral)
    return referral


def shown_on_referral(actor: Actor, referral: Referral, person: Person) -> bool:
    """Whether the actor may see `person` (the referred person or a child) on a referral: the sender holds
    them; the receiver only while the sender shares them under a consent in force (the sharing rule)."""
    return bool(shown_on_referral_many(actor, referral, [person]))


def shown_on_referral_many(actor: Actor, referral: Referral, persons) -> list[Person]:
    """The persons `shown_on_referral`, checked together (one page's children in a fixed number of queries)."""
    persons = list(persons)
    if referral.from_organisation_id == actor.organisation.pk:
        return persons
    shares = shares_for_many(actor, persons)
    return [p for p in persons if any(s.organisation.pk == referral.from_organisation_id for s in shares[p.pk])]


def inbox(actor: Actor) -> QuerySet[Referral]:
    """Referrals to the actor's organisation that are waiting or open, oldest first; only while a consent in
    force shares the person (a referral whose consent ended leaves the inbox with it)."""
    return (
        visible_referrals(actor)
        .filter(to_organisation=actor.organisation, status__in=Referral.OPEN_STATUSES)
        .filter(person__in=shared_persons(actor))
        .select_related("person", "from_organisation")
        .order_by("sent_at", "id")
    )


def outbox(actor: Actor) -> QuerySet[Referral]:
    return (
        visible_referrals(actor)
        .filter(from_organisation=actor.organisation)
        .select_related("person", "to_organisation")
        .order_by("-created_at", "-id")
    )


# --- Consultations ------------------------------------------------------------------------------

_DIGITS = re.compile(r"(?<!\d)(\d{6})[ -]?(\d{4,5})(?!\d)")


def identity_problems(actor: Actor, text: str) -> list[str]:
    """National ids and names of persons the actor's organisation holds, found in a free text."""
    from kindred.people.services import parse_national_id

    problems = []
    for match in _DIGITS.finditer(text or ""):
        try:
            parse_national_id(match.group(1) + match.group(2))
        except ValidationError:
            continue
        problems.append(_("The text contains a national id number."))
        break
    lowered = (text or "").lower()
    if lowered:
        names = (
            visible_persons(actor)
            .exclude(given_name="")
            .exclude(family_name="")
            .values_list("given_name", "family_name")
        )
        for given, family in names.iterator():
            if f"{given} {family}".lower() in lowered:
                problems.append(
                    _("The text names a person registered in Kindred: %(name)s.") % {"name": f"{given} {family}"}
                )
                break
    return problems


@transaction.atomic
def ask_consultation(
    actor: Actor, *, to_organisation_id: int, title: str, question: str, person: Person | None = None
) -> Consultation:
    """Ask another organisation for advice. Anonymous unless a valid consent covers the receiver."""
    _require(actor, Capability.VIEW_PERSONAL_DATA)
    errors: dict[str, str] = {}
    to = Organisation.objects.filter(pk=to_organisation_id).first()
    if to is None:
        errors["to_organisation"] = _("Unknown organisation.")
    elif to.pk == actor.organisation.pk:
        errors["to_organisation"] = _("A consultation goes to another organisation.")
    if not title.strip():
        errors["title"] = _("Give the consultation a title.")
    if not question.strip():
        errors["question"] = _("Write the question.")
    consent = None
    if person is not None and to is not None:
        consent = covering_consent(person, to, actor.organisation, [])
        if consent is None:
            errors["person"] = _("No valid consent covers sharing this person with %(organisation)s.") % {
                "organisation": to.name
            }
    if person is None:
        problems = identity_problems(actor, f"{title}\n{question}")
        if problems:
            errors["question"] = " ".join([*problems, _("Without consent a consultation must be anonymous.")])
    if errors:
        raise ValidationError(errors)
    consultation = Consultation.objects.create(
        from_organisation=actor.organisation,
        to_organisation=to,
        asked_by=actor.user,
        title=title.strip(),
        question=question.strip(),
        person=person,
        consent=consent,
    )
    record(actor, Action.CREATE, consultation, object_type="referrals.consultation")
    notify(
        to,
        Notification.Kind.CONSULTATION,
        _("A new consultation is waiting for an answer."),
        f"/cooperation/consultations/{consultation.pk}/",
    )
    return consultation


def visible_consultations(actor: Actor) -> QuerySet[Consultation]:
    if not actor.can(Capability.VIEW_PERSONAL_DATA):
        return Consultation.objects.none()
    org = actor.organisation
    received = Q(to_organisation=org) & (Q(person__isnull=True) | Q(person__in=shared_persons(actor)))
    return Consultation.objects.filter(Q(from_organisation=org) | received)


def get_consultation(actor: Actor, pk) -> Consultation:
    try:
        consultation = (
            visible_consultations(actor)
            .select_related("from_organisation", "to_organisation", "person", "asked_by")
            .get(pk=int(pk))
        )
    except (Consultation.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    if consultation.person_id:
        # The receiver sees the person only while the consent holds; the asker only under the access rule.
        if consultation.to_organisation_id == actor.organisation.pk:
            if not shares_for(actor, consultation.person):
                # The consent behind a linked consultation has ended: so has the receiver's access to it.
                raise Http404
            hidden = False
        else:
            hidden = not visible_persons(actor).filter(pk=consultation.person_id).exists()
        if hidden:
            consultation.person = None
        record(actor, Action.VIEW, consultation, subject=consultation.person)
    return consultation


@transaction.atomic
def reply_to_consultation(actor: Actor, consultation: Consultation, text: str) -> ConsultationReply:
    _require(actor, Capability.VIEW_PERSONAL_DATA)
    if consultation.status == Consultation.Status.CLOSED:
        raise ValidationError({"text": _("The consultation is closed.")})
    if not text.strip():
        raise ValidationError({"text": _("Write a reply.")})
    if consultation.person_id is None:
        problems = identity_problems(actor, text)
        if problems:
            raise ValidationError({"text": " ".join([*problems, _("This consultation is anonymous.")])})
    reply = ConsultationReply.objects.create(
        consultation=consultation, author=actor.user, organisation=actor.organisation, text=text.strip()
    )
    answering = consultation.to_organisation_id == actor.organisation.pk
    if answering and consultation.status == Consultation.Status.OPEN:
        consultation.status = Consultation.Status.ANSWERED
        consultation.save(update_fields=["status"])
    record(actor, Action.CHANGE, consultation, subject=consultation.person, details={"reply": reply.pk})
    other = consultation.from_organisation if answering else consultation.to_organisation
    notify(
        other,
        Notification.Kind.CONSULTATION,
        _("A consultation has a new reply."),
        f"/cooperation/consultations/{consultation.pk}/",
    )
    return reply


@transaction.atomic
def close_consultation(actor: Actor, consultation: Consultation) -> Consultation:
    _require(actor, Capability.VIEW_PERSONAL_DATA)
    if consultation.from_organisation_id != actor.organisation.pk:
        raise ValidationError({"status": _("Only the organisation that asked can close the consultation.")})
    consultation.status = Consultation.Status.CLOSED
    consultation.save(update_fields=["status"])
    record(actor, Action.CHANGE, consultation, subject=consultation.person, details={"status": "closed"})
    return consultation


# --- Who does what for a child --------------------------------------------------------------------


def child_visible_for_agreements(actor: Actor, child: Person) -> bool:
    if visible_persons(actor).filter(pk=child.pk).exists():
        return True
    return any(Category.CHILDREN in s.categories for s in shares_for(actor, child))


@transaction.atomic
def set_agreement(
    actor: Actor, child: Person, *, task: str, responsible_organisation_id: int, note: str = ""
) -> ChildAgreement:
    """Record which service does a task for the child; one agreement per task, visible to every service involved."""
    _require(actor, Capability.EDIT_CASES)
    if not child_visible_for_agreements(actor, child):
        raise Http404
    errors: dict[str, str] = {}
    if task not in ChildAgreement.Task.values:
        errors["task"] = _("Choose a task.")
    if not Organisation.objects.filter(pk=responsible_organisation_id).exists():
        errors["responsible_organisation"] = _("Unknown organisation.")
    if errors:
        raise ValidationError(errors)
    agreement, created = ChildAgreement.objects.update_or_create(
        child=child,
        task=task,
        defaults={
            "responsible_organisation_id": responsible_organisation_id,
            "note": note.strip()[:300],
            "recorded_by_organisation": actor.organisation,
            "recorded_by": actor.user,
        },
    )
    record(actor, Action.CREATE if created else Action.CHANGE, agreement)
    return agreement


def agreements_for(actor: Actor, child: Person) -> QuerySet[ChildAgreement]:
    if not child_visible_for_agreements(actor, child):
        raise Http404
    return ChildAgreement.objects.filter(child=child).select_related(
        "responsible_organisation", "recorded_by_organisation"
    )


# --- Reminders -------------------------------------------------------------------------------------

CONSENT_EXPIRING = gettext_lazy("A consent you recorded expires soon.")
FEEDBACK_OVERDUE = gettext_lazy("Child welfare has not confirmed a concern report within 3 weeks.")


def send_reminders(today=None) -> int:
    """Notify about consents about to expire and concern-report feedback overdue; each only once."""
    from datetime import timedelta

    from kindred.care.models import CONCERN_FEEDBACK_DAYS, ConcernReport
    from kindred.consent.models import Consent

    today = today or timezone.localdate()
    sent = 0
    soon = today + timedelta(days=settings.CONSENT_EXPIRY_WARNING_DAYS)
    for consent in Consent.objects.valid(today).filter(valid_until__lte=soon).select_related("organisation"):
        key = f"consent-expiring-{consent.pk}"
        if not Notification.objects.filter(dedupe_key=key).exists():
            notify(
                consent.organisation,
                Notification.Kind.CONSENT_EXPIRING,
                str(CONSENT_EXPIRING),
                f"/people/{consent.person_id}/",
                dedupe_key=key,
            )
            sent += 1
    overdue = ConcernReport.objects.filter(
        feedback_on__isnull=True, sent_on__lt=today - timedelta(days=CONCERN_FEEDBACK_DAYS)
    ).select_related("episode__organisation")
    for report in overdue:
        key = f"concern-feedback-{report.pk}"
        if not Notification.objects.filter(dedupe_key=key).exists():
            notify(
                report.episode.organisation,
                Notification.Kind.CONCERN_FEEDBACK,
                str(FEEDBACK_OVERDUE),
                f"/care/episodes/{report.episode_id}/",
                dedupe_key=key,
            )
            sent += 1
    return sent
