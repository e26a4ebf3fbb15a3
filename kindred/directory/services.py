"""Use cases for the help directory and self-referrals.

The public side (search, an offer's page, the self-referral form) needs no account and stores nothing but
what the person sends. The receiving side (offers, the inbox) belongs to members of the offer's organisation:
organisation admins keep its offers; members whose role manages programmes triage the inbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.audit.services import Action, record
from kindred.directory.models import AUDIENCE_FIELDS, Audience, HelpOffer, Relation, SelfReferral, YouthIntake
from kindred.orgs.actors import Actor
from kindred.orgs.models import Capability, Membership, Municipality
from kindred.people.access import visible_self_referrals

R = SelfReferral.Status


def _require(actor: Actor, capability: str) -> None:
    if not actor.can(capability):
        raise PermissionError(capability)


# --- The public directory --------------------------------------------------------------------------


def municipalities(country: str | None = None) -> QuerySet[Municipality]:
    rows = Municipality.objects.all()
    return rows.filter(country=country) if country else rows


def search(*, municipality: Municipality | None = None, audience: str = "", age: int | None = None, country: str = ""):
    """Active offers for the municipality (or the whole country), the audience and the age."""
    offers = HelpOffer.objects.public()
    if municipality is not None:
        offers = offers.serving(municipality)
    elif country:
        offers = offers.filter(country=country)
    if audience:
        offers = offers.for_audience(audience)
    if age is not None:
        offers = offers.for_age(age)
    # Local offers first: they are the ones a national search engine does not find.
    return offers.order_by("nationwide", "name", "id")


def get_public_offer(pk) -> HelpOffer:
    try:
        return HelpOffer.objects.public().select_related("organisation").get(pk=int(pk))
    except (HelpOffer.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# --- Offers, kept by the organisation -------------------------------------------------------------


def offers_of(actor: Actor) -> QuerySet[HelpOffer]:
    if not (actor.can(Capability.MANAGE_ORGANISATION) or actor.can(Capability.MANAGE_PROGRAMMES)):
        return HelpOffer.objects.none()
    return HelpOffer.objects.filter(organisation=actor.organisation)


def get_own_offer(actor: Actor, pk) -> HelpOffer:
    try:
        return offers_of(actor).get(pk=int(pk))
    except (HelpOffer.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


OFFER_FIELDS = (
    "provider",
    "name",
    "summary",
    "description",
    *AUDIENCE_FIELDS.values(),
    "min_age",
    "max_age",
    "nationwide",
    "languages",
    "free",
    "referral_needed",
    "accepts_self_referral",
    "youth_intake",
    "phone",
    "email",
    "web",
    "address",
    "opening_hours",
    "active",
)


@transaction.atomic
def save_offer(
    actor: Actor, offer: HelpOffer | None, data: dict, municipality_ids: list[int] | None = None
) -> HelpOffer:
    """Create or change one of the organisation's help offers."""
    _require(actor, Capability.MANAGE_ORGANISATION)
    if offer is None:
        offer = HelpOffer(organisation=actor.organisation, country=actor.organisation.country)
    elif offer.organisation_id != actor.organisation.pk:
        raise Http404
    for name in OFFER_FIELDS:
        if name in data:
            setattr(offer, name, data[name])
    offer.provider = (offer.provider or "").strip() or actor.organisation.name
    errors: dict[str, str] = {}
    if not any(getattr(offer, f) for f in AUDIENCE_FIELDS.values()):
        errors["audiences"] = _("Choose at least one group the offer is for.")
    if offer.min_age is not None and offer.max_age is not None and offer.min_age > offer.max_age:
        errors["max_age"] = _("The oldest age cannot be below the youngest.")
    if not offer.phone and not offer.email and not offer.web and not offer.accepts_self_referral:
        errors["phone"] = _("Give at least one way to get in touch: phone, e-mail, web address or self-referral.")
    chosen = None
    if municipality_ids is not None:
        chosen = list(Municipality.objects.filter(pk__in=municipality_ids, country=offer.country))
        if len(chosen) != len(set(municipality_ids)):
            errors["municipalities"] = _("Choose municipalities in the organisation's country.")
    if not offer.nationwide and not (chosen if chosen is not None else (offer.pk and offer.municipalities.exists())):
        errors["municipalities"] = errors.get("municipalities") or _(
            "Choose the municipalities served, or the whole country."
        )
    if errors:
        raise ValidationError(errors)
    offer.full_clean()
    created = offer.pk is None
    offer.save()
    if chosen is not None:
        offer.municipalities.set(chosen)
    record(actor, Action.CREATE if created else Action.CHANGE, offer)
    return offer


# --- Self-referral ---------------------------------------------------------------------------------


@dataclass
class IntakeData:
    """The optional intake questions; None is "did not answer"."""

    father_problem: bool | None = None
    mother_problem: bool | None = None
    other_parent_problem: bool | None = None
    years_affected: int | None = None
    psychological_violence: bool | None = None
    psychological_violence_years: int | None = None
    physical_violence: bool | None = None
    physical_violence_years: int | None = None
    sexual_violation: bool | None = None
    sexual_violation_years: int | None = None
    suicide_threats: bool | None = None
    suicide_attempt_witnessed: bool | None = None
    parents_separated: bool | None = None
    talked_to: list[str] = field(default_factory=list)
    earlier_help: bool | None = None


TALKED_TO = ("nobody", "friend", "family", "school", "health", "child_welfare")


@dataclass
class SelfReferralData:
    help_wanted: str
    age: int | None
    relation: str
    contact_method: str
    consent: bool
    name: str = ""
    phone: str = ""
    email: str = ""
    safe_times: str = ""
    may_leave_message: bool = False
    intake: IntakeData | None = None


def _clean_intake(intake: IntakeData, errors: dict[str, str]) -> None:
    for name in ("years_affected", "psychological_violence_years", "physical_violence_years", "sexual_violation_years"):
        value = getattr(intake, name)
        if value is not None and not 0 <= value <= 30:
            errors[name] = _("Give a number of years from 0 to 30.")
    for kind in ("psychological_violence", "physical_violence", "sexual_violation"):
        if getattr(intake, f"{kind}_years") is not None and getattr(intake, kind) is not True:
            errors[f"{kind}_years"] = _("Give the years only if this happened.")
    unknown = set(intake.talked_to) - set(TALKED_TO)
    if unknown:
        errors["talked_to"] = _("Choose from the list.")
    elif "nobody" in intake.talked_to and len(intake.talked_to) > 1:
        errors["talked_to"] = _("Choose “nobody” or the people you talked to, not both.")


def clean_self_referral(offer: HelpOffer, data: SelfReferralData) -> dict[str, str]:
    """Every problem with the form, by field; an empty dict when it can be sent."""
    errors: dict[str, str] = {}
    if not data.help_wanted.strip():
        errors["help_wanted"] = _("Tell us in a few words what you would like help with.")
    elif len(data.help_wanted) > 2000:
        errors["help_wanted"] = _("Please keep it under 2000 characters.")
    if data.age is None:
        errors["age"] = _("Give your age in years.")
    elif not 6 <= data.age <= 120:
        errors["age"] = _("Give your age in years, as a number from 6 to 120.")
    elif (offer.min_age is not None and data.age < offer.min_age) or (
        offer.max_age is not None and data.age > offer.max_age
    ):
        errors["age"] = _("This offer is for ages %(low)s to %(high)s. The directory has other offers for you.") % {
            "low": offer.min_age if offer.min_age is not None else 0,
            "high": offer.max_age if offer.max_age is not None else 120,
        }
    if data.relation not in Relation.values:
        errors["relation"] = _("Choose who has the problem.")
    if len(data.name) > 100:
        errors["name"] = _("Please use at most 100 characters.")
    phone = data.phone.strip()
    email = data.email.strip()
    if data.contact_method not in SelfReferral.ContactMethod.values:
        errors["contact_method"] = _("Choose how we should contact you.")
    elif data.contact_method in (SelfReferral.ContactMethod.CALL, SelfReferral.ContactMethod.SMS) and not phone:
        errors["phone"] = _("Give the phone number we should use.")
    elif data.contact_method == SelfReferral.ContactMethod.EMAIL and not email:
        errors["email"] = _("Give the e-mail address we should use.")
    if phone and "phone" not in errors:
        digits = "".join(c for c in phone if c.isdigit())
        if not (8 <= len(digits) <= 15) or any(not (c.isdigit() or c in " +") for c in phone):
            errors["phone"] = _("Write a phone number with 8 digits or more, like 915 08 588.")
    if email and "email" not in errors:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("Write an e-mail address like name@example.no.")
    if len(data.safe_times) > 200:
        errors["safe_times"] = _("Please use at most 200 characters.")
    if not data.consent:
        errors["consent"] = _("We can only contact you if you agree that we store what you send.")
    if data.intake is not None:
        if not offer.youth_intake:
            errors["intake"] = _("This offer does not use the intake questions.")
        else:
            _clean_intake(data.intake, errors)
    return errors


@transaction.atomic
def submit_self_referral(offer: HelpOffer, data: SelfReferralData) -> SelfReferral:
    """Store the request, tell the receiving organisation (a link only), and send the person a receipt
    without any personal data in it."""
    if not offer.active or not offer.accepts_self_referral or offer.organisation_id is None:
        raise ValidationError(_("This offer does not take requests through Kindred. Contact it directly."))
    errors = clean_self_referral(offer, data)
    if errors:
        raise ValidationError(errors)
    referral = SelfReferral.objects.create(
        offer=offer,
        organisation=offer.organisation,
        help_wanted=data.help_wanted.strip(),
        age=data.age,
        relation=data.relation,
        name=data.name.strip(),
        contact_method=data.contact_method,
        phone=data.phone.strip(),
        email=data.email.strip(),
        safe_times=data.safe_times.strip(),
        may_leave_message=data.may_leave_message,
        consented_at=timezone.now(),
    )
    if data.intake is not None:
        intake = data.intake
        YouthIntake.objects.create(
            self_referral=referral,
            organisation=offer.organisation,
            created_on=timezone.localdate(),
            **{k: v for k, v in intake.__dict__.items() if k != "talked_to"},
            **{f"talked_to_{k}": k in intake.talked_to for k in TALKED_TO},
        )
    _announce(referral)
    return referral


def _announce(referral: SelfReferral) -> None:
    from kindred.referrals.models import Notification
    from kindred.referrals.services import notify

    notify(
        referral.organisation,
        Notification.Kind.SELF_REFERRAL,
        _("A new self-referral has arrived (%(reference)s).") % {"reference": referral.reference},
        reverse("directory:inbox_detail", args=[referral.pk]),
        dedupe_key=f"self_referral:{referral.pk}",
    )
    if referral.email:
        body = _(
            "We have received your request for help. Your reference is %(reference)s.\n\n"
            "We will contact you the way you asked. If you are in danger, call 112.\n\n"
            "This message was sent automatically; please do not reply to it."
        ) % {"reference": referral.reference}
        send_mail(
            _("Your request has been received"), body, settings.DEFAULT_FROM_EMAIL, [referral.email], fail_silently=True
        )


# --- The inbox -------------------------------------------------------------------------------------


def inbox(actor: Actor, *, status: str = "open") -> QuerySet[SelfReferral]:
    rows = visible_self_referrals(actor).select_related("offer", "assigned_to")
    if status == "open":
        rows = rows.filter(status__in=SelfReferral.OPEN_STATUSES)
    elif status in R.values:
        rows = rows.filter(status=status)
    return rows.order_by("created_at", "id") if status == "open" else rows


def get_self_referral(actor: Actor, pk, *, action: str = Action.VIEW) -> SelfReferral:
    try:
        referral = visible_self_referrals(actor).select_related("offer", "assigned_to").get(pk=int(pk))
    except (SelfReferral.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    record(actor, action, referral)
    return referral


def _require_open(referral: SelfReferral) -> None:
    if not referral.is_open:
        raise ValidationError(
            _("This self-referral is already %(status)s.") % {"status": referral.get_status_display().lower()}
        )


@transaction.atomic
def assign(actor: Actor, referral: SelfReferral, user_id: int) -> SelfReferral:
    _require(actor, Capability.MANAGE_PROGRAMMES)
    _require_open(referral)
    members = Membership.objects.filter(organisation=actor.organisation, user_id=user_id).select_related("user")
    member = next((m for m in members if m.can(Capability.VIEW_PERSONAL_DATA)), None)
    if member is None:
        raise ValidationError({"assigned_to": _("Choose a member of your organisation who works with clients.")})
    referral.assigned_to = member.user
    if referral.status == R.NEW:
        referral.status = R.ASSIGNED
    referral.save(update_fields=["assigned_to", "status"])
    record(actor, Action.CHANGE, referral, details={"assigned_to": user_id})
    return referral


@transaction.atomic
def mark_contacted(actor: Actor, referral: SelfReferral) -> SelfReferral:
    _require(actor, Capability.MANAGE_PROGRAMMES)
    _require_open(referral)
    referral.status, referral.contacted_at = R.CONTACTED, timezone.now()
    if referral.assigned_to_id is None:
        referral.assigned_to = actor.user
    referral.save(update_fields=["status", "contacted_at", "assigned_to"])
    record(actor, Action.CHANGE, referral, details={"contacted": True})
    return referral


@transaction.atomic
def close(actor: Actor, referral: SelfReferral, *, reason: str, note: str = "") -> SelfReferral:
    _require(actor, Capability.MANAGE_PROGRAMMES)
    _require_open(referral)
    if reason not in SelfReferral.CloseReason.values:
        raise ValidationError({"close_reason": _("Choose why the self-referral is closed.")})
    if reason == SelfReferral.CloseReason.OTHER and not note.strip():
        raise ValidationError({"close_note": _("Write a short reason.")})
    referral.status, referral.close_reason, referral.close_note = R.CLOSED, reason, note.strip()[:500]
    referral.closed_at = timezone.now()
    referral.save(update_fields=["status", "close_reason", "close_note", "closed_at"])
    record(actor, Action.CHANGE, referral, details={"closed": reason})
    return referral


@transaction.atomic
def convert_to_enrolment(actor: Actor, referral: SelfReferral, run) -> SelfReferral:
    """Sign the person up for a programme run, as a participant known by the name they gave (or the
    referral's reference) and their contact details."""
    from kindred.programs import services as programs
    from kindred.programs.models import Participant

    _require(actor, Capability.MANAGE_PROGRAMMES)
    _require_open(referral)
    channel = {"sms": Participant.Channel.SMS, "email": Participant.Channel.EMAIL}.get(referral.contact_method, "")
    participant = programs.register_participant(
        actor,
        programs.ParticipantData(
            name=referral.name or referral.reference,
            phone=referral.phone,
            email=referral.email,
            birth_year=timezone.localdate().year - referral.age,
            relation=referral.relation,
            reminders=channel,
        ),
    )
    enrolment = programs.enrol(actor, run, participant, self_referral=referral)
    referral.status, referral.converted_enrolment, referral.closed_at = R.CONVERTED, enrolment, timezone.now()
    referral.save(update_fields=["status", "converted_enrolment", "closed_at"])
    record(actor, Action.CHANGE, referral, details={"enrolment": enrolment.pk})
    return referral


@transaction.atomic
def convert_to_client(actor: Actor, referral: SelfReferral, person_data, *, started_on=None) -> SelfReferral:
    """Take the person on as a client: a person and an episode (help for a relative, self-referred)."""
    from kindred.care.models import Episode
    from kindred.care.services import EpisodeData, register_patient

    _require(actor, Capability.EDIT_CASES)
    _require(actor, Capability.MANAGE_PROGRAMMES)
    _require_open(referral)
    episode = register_patient(
        actor,
        person_data,
        EpisodeData(
            kind=Episode.Kind.RELATIVE,
            started_on=started_on or timezone.localdate(),
            referred_by=Episode.ReferredBy.SELF,
        ),
    )
    referral.status, referral.converted_episode, referral.closed_at = R.CONVERTED, episode, timezone.now()
    referral.save(update_fields=["status", "converted_episode", "closed_at"])
    record(actor, Action.CHANGE, referral, subject=episode.patient, details={"episode": episode.pk})
    return referral


AUDIENCE_CHOICES = Audience.choices
