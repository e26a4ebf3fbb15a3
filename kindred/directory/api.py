"""The help directory in the API: the public search, an offer's page and the self-referral form (no account
needed), the organisation's own offers, and the self-referral inbox.

Every endpoint calls the same services as the web (kindred.directory.services): the services hold the rules,
the validation and the audit rows; self-referrals are fetched through the access rule (get_self_referral)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from kindred.api_schemas import MAX_ID, DbId, ErrorOut, PageIn, PageOut, UserRef, choice, errors, page_of, text
from kindred.audit.services import Action, record_many
from kindred.directory import services
from kindred.directory.models import AUDIENCE_FIELDS, Audience, HelpOffer, Relation, SelfReferral, YouthIntake
from kindred.directory.views import self_referral_limited
from kindred.orgs.models import Capability, Organisation
from kindred.people.services import PersonData

router = Router(tags=["directory"])


def _path_id(description: str) -> Any:
    """An id in the path, 1 to the largest the database stores (larger is 422, never a 500)."""
    return Path[int, {"ge": 1, "le": MAX_ID, "description": description}]


OfferId = _path_id("The help offer's id.")
ReferralId = _path_id("The self-referral's id.")

AudienceChoice = choice(Audience)
CountryChoice = choice(Organisation.Country)
TalkedTo = Literal[services.TALKED_TO]
InboxStatus = Literal[("open", "all", *SelfReferral.Status.values)]
NULL_MESSAGE = models.Field.default_error_messages["null"]


def public_errors(*extra: int) -> dict[int, type[ErrorOut]]:
    """The error statuses of a public endpoint: 422 (invalid input) and the ones given."""
    return dict.fromkeys(sorted({422, *extra}), ErrorOut)


# --- Schemas: the public directory --------------------------------------------------------------


class MunicipalityOut(Schema):
    id: int = Field(description="The id to search offers by.")
    country: str = Field(description="`NO` or `DK`.")
    number: str = Field(description="The official municipality number (kommunenummer).")
    name: str = Field(description="The municipality's name.")
    region: str = Field(description="The county or region (fylke/region); may be empty.")


class MunicipalityPage(PageOut):
    items: list[MunicipalityOut] = Field(description="Municipalities by country and name.")


class MunicipalityFilter(PageIn):
    country: CountryChoice | None = Field(None, description="Only municipalities in this country (`NO` or `DK`).")


class MunicipalityRef(Schema):
    id: int = Field(description="The municipality's id.")
    name: str = Field(description="The municipality's name.")


class OfferOut(Schema):
    """A help offer as the public sees it."""

    id: int = Field(description="The offer's id.")
    provider: str = Field(description="Who provides the offer.")
    name: str = Field(description="The offer's name.")
    summary: str = Field(description="One or two sentences about the offer.")
    description: str = Field(description="The longer description; may be empty.")
    audiences: list[str] = Field(description="Who the offer is for: values of the `audience` filter.")
    audience_labels: list[str] = Field(description="The same, in plain words in the language of the request.")
    min_age: int | None = Field(description="The youngest age served; null for no lower limit.")
    max_age: int | None = Field(description="The oldest age served; null for no upper limit.")
    country: str = Field(description="`NO` or `DK`.")
    nationwide: bool = Field(description="Serves the whole country.")
    municipalities: list[MunicipalityRef] = Field(description="The municipalities served (besides `nationwide`).")
    languages: str = Field(description="The languages the offer is given in, as written by the provider.")
    free: bool = Field(description="Free of charge.")
    referral_needed: bool = Field(description="A referral (from a doctor, for example) is needed.")
    accepts_self_referral: bool = Field(
        description="Requests can be sent through Kindred (POST /directory/offers/{id}/self-referrals)."
    )
    youth_intake: bool = Field(description="The self-referral form may carry the intake questions (`intake`).")
    phone: str = Field(description="Phone number; may be empty.")
    email: str = Field(description="E-mail address; may be empty.")
    web: str = Field(description="Web address; may be empty.")
    address: str = Field(description="Street address; may be empty.")
    opening_hours: str = Field(description="Opening hours, as written by the provider.")
    updated_at: datetime = Field(description="When the offer was last changed.")

    @classmethod
    def of(cls, offer: HelpOffer, **extra):
        return cls(
            id=offer.pk,
            provider=offer.provider,
            name=offer.name,
            summary=offer.summary,
            description=offer.description,
            audiences=offer.audiences(),
            audience_labels=offer.audience_labels(),
            min_age=offer.min_age,
            max_age=offer.max_age,
            country=offer.country,
            nationwide=offer.nationwide,
            municipalities=[MunicipalityRef(id=m.pk, name=m.name) for m in offer.municipalities.all()],
            languages=offer.languages,
            free=offer.free,
            referral_needed=offer.referral_needed,
            accepts_self_referral=offer.accepts_self_referral,
            youth_intake=offer.youth_intake,
            phone=offer.phone,
            email=offer.email,
            web=offer.web,
            address=offer.address,
            opening_hours=offer.opening_hours,
            updated_at=offer.updated_at,
            **extra,
        )


class OfferPage(PageOut):
    items: list[OfferOut] = Field(description="Local offers first, then those for the whole country, by name.")


class OfferFilter(PageIn):
    municipality: DbId | None = Field(
        None, description="Offers serving this municipality (an id from /directory/municipalities)."
    )
    audience: AudienceChoice | None = Field(None, description="Offers for this group of people.")
    age: int | None = Field(None, ge=0, le=120, description="Offers for a person of this age (0 to 120).")
    country: CountryChoice | None = Field(
        None, description="Offers in this country (`NO` or `DK`); ignored when `municipality` is given."
    )


class YouthIntakeIn(Schema):
    """The optional intake questions for young people who grew up with a parent's substance problem. Leave out
    (or send null) what the person did not answer; only for offers with `youth_intake`."""

    father_problem: bool | None = Field(None, description="The father had a substance problem.")
    mother_problem: bool | None = Field(None, description="The mother had a substance problem.")
    other_parent_problem: bool | None = Field(None, description="A step-parent or foster parent had one.")
    years_affected: int | None = Field(None, description="Years of the childhood affected, 0 to 30.")
    psychological_violence: bool | None = Field(None, description="Psychological violence.")
    psychological_violence_years: int | None = Field(
        None, description="Years of psychological violence, 0 to 30; only when it happened."
    )
    physical_violence: bool | None = Field(None, description="Physical violence.")
    physical_violence_years: int | None = Field(
        None, description="Years of physical violence, 0 to 30; only when it happened."
    )
    sexual_violation: bool | None = Field(None, description="Sexual violations.")
    sexual_violation_years: int | None = Field(
        None, description="Years of sexual violations, 0 to 30; only when it happened."
    )
    suicide_threats: bool | None = Field(None, description="A parent threatened suicide.")
    suicide_attempt_witnessed: bool | None = Field(None, description="Witnessed a suicide attempt.")
    parents_separated: bool | None = Field(None, description="The parents separated.")
    talked_to: list[TalkedTo] = Field(
        default_factory=list,
        max_length=len(services.TALKED_TO),
        description="Who the person talked to about it: `nobody`, or any of the others.",
    )
    earlier_help: bool | None = Field(None, description="Had help before.")

    def to_data(self) -> services.IntakeData:
        return services.IntakeData(**self.model_dump())


class SelfReferralIn(Schema):
    """A request for help to an offer that accepts self-referrals. Checked exactly like the web form: a 422 names
    each field with a problem, and nothing is stored then."""

    help_wanted: text(2000) = Field(description="What the person would like help with, in their own words.")
    age: int | None = Field(description="The person's age in years (6 to 120, and within the offer's ages).")
    relation: choice(Relation) = Field(description="Who has the problem, seen from the person asking.")
    contact_method: choice(SelfReferral.ContactMethod) = Field(
        description="How to contact the person: `call` and `sms` need `phone`, `email` needs `email`."
    )
    consent: bool = Field(description="The person agrees that what they send is stored; must be true.")
    name: text(100) = Field("", description="What to call the person; may be a first name only, or empty.")
    phone: text(20) = Field("", description="Phone number, 8 digits or more.")
    email: text(254) = Field("", description="E-mail address; a receipt without personal data is sent to it.")
    safe_times: text(200) = Field("", description="When it is safe to make contact.")
    may_leave_message: bool = Field(False, description="A message may be left.")
    intake: YouthIntakeIn | None = Field(
        None, description="The optional intake questions (offers with `youth_intake`)."
    )

    def to_data(self) -> services.SelfReferralData:
        return services.SelfReferralData(
            help_wanted=self.help_wanted,
            age=self.age,
            relation=self.relation,
            contact_method=self.contact_method,
            consent=self.consent,
            name=self.name,
            phone=self.phone,
            email=self.email,
            safe_times=self.safe_times,
            may_leave_message=self.may_leave_message,
            intake=self.intake.to_data() if self.intake is not None else None,
        )


class ReceiptOut(Schema):
    reference: str = Field(description="The request's reference, to give when the person calls the service.")


# --- Schemas: the organisation's offers ----------------------------------------------------------


class OwnOfferOut(OfferOut):
    organisation_id: int = Field(description="Your organisation.")
    active: bool = Field(description="Shown in the public directory.")


class OwnOfferPage(PageOut):
    items: list[OwnOfferOut] = Field(description="Your organisation's offers by name.")


class OfferIn(Schema):
    """A help offer of your organisation. It needs at least one audience, the municipalities served (or
    `nationwide`), and a way to get in touch (phone, e-mail, web address or self-referral)."""

    name: text(200) = Field(description="The offer's name.")
    summary: text(300) = Field(description="One or two sentences about the offer.")
    provider: text(200) = Field("", description="Who provides it; your organisation's name when empty.")
    description: text(5000) = Field("", description="The longer description.")
    audiences: list[AudienceChoice] = Field(
        default_factory=list, max_length=len(Audience.values), description="Who the offer is for; at least one."
    )
    min_age: int | None = Field(None, ge=0, le=120, description="The youngest age served; null for no limit.")
    max_age: int | None = Field(None, ge=0, le=120, description="The oldest age served; null for no limit.")
    nationwide: bool = Field(False, description="Serves the whole of your organisation's country.")
    municipality_ids: list[DbId] = Field(
        default_factory=list,
        max_length=500,
        description="The municipalities served, in your organisation's country; needed unless `nationwide`.",
    )
    languages: text(200) = Field("", description="The languages the offer is given in, e.g. norsk, engelsk.")
    free: bool = Field(True, description="Free of charge.")
    referral_needed: bool = Field(False, description="A referral is needed.")
    accepts_self_referral: bool = Field(False, description="Requests can be sent through Kindred to your inbox.")
    youth_intake: bool = Field(False, description="Ask the intake questions for young people.")
    phone: text(20) = Field("", description="Phone number, 8 digits or more.")
    email: text(254) = Field("", description="E-mail address.")
    web: text(200) = Field("", description="Web address starting with https://.")
    address: text(200) = Field("", description="Street address.")
    opening_hours: text(200) = Field("", description="Opening hours.")
    active: bool = Field(True, description="Shown in the public directory.")


class OfferPatch(Schema):
    """The fields to change; the others stay as they are. `audiences` and `municipality_ids` replace the whole
    list."""

    name: text(200) | None = Field(None, description="The offer's name.")
    summary: text(300) | None = Field(None, description="One or two sentences about the offer.")
    provider: text(200) | None = Field(None, description="Who provides it; your organisation's name when empty.")
    description: text(5000) | None = Field(None, description="The longer description.")
    audiences: list[AudienceChoice] | None = Field(
        None, max_length=len(Audience.values), description="Who the offer is for; at least one."
    )
    min_age: int | None = Field(None, ge=0, le=120, description="The youngest age served; null for no limit.")
    max_age: int | None = Field(None, ge=0, le=120, description="The oldest age served; null for no limit.")
    nationwide: bool | None = Field(None, description="Serves the whole of your organisation's country.")
    municipality_ids: list[DbId] | None = Field(
        None, max_length=500, description="The municipalities served; needed unless `nationwide`."
    )
    languages: text(200) | None = Field(None, description="The languages the offer is given in.")
    free: bool | None = Field(None, description="Free of charge.")
    referral_needed: bool | None = Field(None, description="A referral is needed.")
    accepts_self_referral: bool | None = Field(None, description="Requests can be sent through Kindred.")
    youth_intake: bool | None = Field(None, description="Ask the intake questions for young people.")
    phone: text(20) | None = Field(None, description="Phone number, 8 digits or more.")
    email: text(254) | None = Field(None, description="E-mail address.")
    web: text(200) | None = Field(None, description="Web address starting with https://.")
    address: text(200) | None = Field(None, description="Street address.")
    opening_hours: text(200) | None = Field(None, description="Opening hours.")
    active: bool | None = Field(None, description="Shown in the public directory.")


# --- Schemas: the inbox --------------------------------------------------------------------------


class OfferRef(Schema):
    id: int = Field(description="The offer's id.")
    name: str = Field(description="The offer's name.")


class SelfReferralOut(Schema):
    id: int = Field(description="The self-referral's id.")
    reference: str = Field(description="The reference the person was given.")
    offer: OfferRef = Field(description="The offer the request was sent to.")
    status: str = Field(description="`new`, `assigned`, `contacted`, `converted` or `closed`.")
    status_label: str = Field(description="The status in the language of the request.")
    help_wanted: str = Field(description="What the person would like help with.")
    age: int = Field(description="The person's age when they asked.")
    relation: str = Field(description="Who has the problem, seen from the person.")
    relation_label: str = Field(description="The relation in the language of the request.")
    name: str = Field(description="What to call the person; may be empty.")
    contact_method: str = Field(description="`call`, `sms` or `email`.")
    phone: str = Field(description="Phone number; may be empty.")
    email: str = Field(description="E-mail address; may be empty.")
    safe_times: str = Field(description="When it is safe to make contact.")
    may_leave_message: bool = Field(description="A message may be left.")
    assigned_to: UserRef | None = Field(description="The member who follows the request up.")
    contacted_at: datetime | None = Field(description="When contact was made.")
    converted_episode_id: int | None = Field(description="The episode, when the person became a client.")
    converted_enrolment_id: int | None = Field(description="The enrolment, when the person joined a programme.")
    close_reason: str = Field(description="Why it was closed; empty otherwise.")
    close_note: str = Field(description="A note on closing.")
    closed_at: datetime | None = Field(description="When it was closed or converted.")
    consented_at: datetime = Field(description="When the person agreed that the request is stored.")
    created_at: datetime = Field(description="When the request arrived.")

    @classmethod
    def of(cls, referral: SelfReferral, **extra):
        assigned = referral.assigned_to
        return cls(
            id=referral.pk,
            reference=referral.reference,
            offer=OfferRef(id=referral.offer_id, name=referral.offer.name),
            status=referral.status,
            status_label=str(referral.get_status_display()),
            help_wanted=referral.help_wanted,
            age=referral.age,
            relation=referral.relation,
            relation_label=str(referral.get_relation_display()),
            name=referral.name,
            contact_method=referral.contact_method,
            phone=referral.phone,
            email=referral.email,
            safe_times=referral.safe_times,
            may_leave_message=referral.may_leave_message,
            assigned_to=UserRef.of(assigned),
            contacted_at=referral.contacted_at,
            converted_episode_id=referral.converted_episode_id,
            converted_enrolment_id=referral.converted_enrolment_id,
            close_reason=referral.close_reason,
            close_note=referral.close_note,
            closed_at=referral.closed_at,
            consented_at=referral.consented_at,
            created_at=referral.created_at,
            **extra,
        )


class YouthIntakeOut(Schema):
    """The intake answers; null is "did not answer"."""

    father_problem: bool | None = Field(description="The father had a substance problem.")
    mother_problem: bool | None = Field(description="The mother had a substance problem.")
    other_parent_problem: bool | None = Field(description="A step-parent or foster parent had one.")
    years_affected: int | None = Field(description="Years of the childhood affected.")
    psychological_violence: bool | None = Field(description="Psychological violence.")
    psychological_violence_years: int | None = Field(description="Years of psychological violence.")
    physical_violence: bool | None = Field(description="Physical violence.")
    physical_violence_years: int | None = Field(description="Years of physical violence.")
    sexual_violation: bool | None = Field(description="Sexual violations.")
    sexual_violation_years: int | None = Field(description="Years of sexual violations.")
    suicide_threats: bool | None = Field(description="A parent threatened suicide.")
    suicide_attempt_witnessed: bool | None = Field(description="Witnessed a suicide attempt.")
    parents_separated: bool | None = Field(description="The parents separated.")
    talked_to: list[str] = Field(description="Who the person talked to about it.")
    earlier_help: bool | None = Field(description="Had help before.")

    @classmethod
    def of(cls, intake: YouthIntake) -> YouthIntakeOut:
        fields = {
            name: getattr(intake, name) for name in services.IntakeData.__dataclass_fields__ if name != "talked_to"
        }
        talked_to = [k for k in services.TALKED_TO if getattr(intake, f"talked_to_{k}")]
        return cls(**fields, talked_to=talked_to)


class SelfReferralDetailOut(SelfReferralOut):
    intake: YouthIntakeOut | None = Field(description="The intake answers, when the person gave them.")


class SelfReferralPage(PageOut):
    items: list[SelfReferralOut] = Field(description="Open requests oldest first; other filters newest first.")


class InboxFilter(PageIn):
    status: InboxStatus = Field(
        "open",
        description="`open` (new, assigned or contacted), `all`, or one status: new, assigned, contacted, "
        "converted, closed.",
    )


class AssignIn(Schema):
    user_id: DbId = Field(description="A member of your organisation whose role works with clients.")


class CloseIn(Schema):
    reason: choice(SelfReferral.CloseReason) = Field(description="Why the request is closed.")
    note: text(500) = Field("", description="A short note; required when the reason is `other`.")


class EnrolIn(Schema):
    run_id: DbId = Field(description="A planned programme run of your organisation that takes sign-ups.")


class ClientIn(Schema):
    """The person as a client: a new person (or the one with this national id) and an episode of help for a
    relative, referred by themselves."""

    given_name: text(100) = Field(description="Given name.")
    family_name: text(100) = Field(description="Family name.")
    national_id: text(20) = Field("", description="11 digits (NO) or 10 digits (DK); gives the birth date.")
    birth_date: date | None = Field(None, description="The birth date, when there is no national id.")


# --- Helpers ------------------------------------------------------------------------------------


def _require_personal_data(actor) -> None:
    # Checked before any lookup: a role without personal data gets 403 whatever the id, so ids leak nothing.
    if not actor.can(Capability.VIEW_PERSONAL_DATA):
        raise PermissionError(Capability.VIEW_PERSONAL_DATA)


def _offer_data(fields: dict) -> tuple[dict, list[int] | None]:
    """The service's field dict (audiences as the for_* flags) and the municipality ids (None: unchanged)."""
    for name, value in fields.items():
        if value is None and name not in ("min_age", "max_age"):
            raise ValidationError({name: NULL_MESSAGE})
    municipality_ids = fields.pop("municipality_ids", None)
    audiences = fields.pop("audiences", None)
    if audiences is not None:
        fields.update({flag: audience in audiences for audience, flag in AUDIENCE_FIELDS.items()})
    return fields, municipality_ids


def _own_offer(offer: HelpOffer) -> OwnOfferOut:
    return OwnOfferOut.of(offer, organisation_id=offer.organisation_id, active=offer.active)


def _detail(referral: SelfReferral) -> SelfReferralDetailOut:
    intake = YouthIntake.objects.filter(self_referral=referral).first()
    return SelfReferralDetailOut.of(referral, intake=YouthIntakeOut.of(intake) if intake else None)


def _referral(request, referral_id: int) -> SelfReferral:
    actor = request.actor
    _require_personal_data(actor)
    return services.get_self_referral(actor, referral_id)


# --- The public directory -----------------------------------------------------------------------


@router.get(
    "/directory/municipalities",
    auth=None,
    response={200: MunicipalityPage, **public_errors()},
    summary="Municipalities to search help offers by",
    description="Public: no token needed. Municipalities by country and name, optionally in one country.",
)
def list_municipalities(request, filters: Query[MunicipalityFilter]):
    count, items = page_of(services.municipalities(filters.country), filters)
    return MunicipalityPage(
        count=count,
        limit=filters.limit,
        offset=filters.offset,
        items=[
            MunicipalityOut(id=m.pk, country=m.country, number=m.number, name=m.name, region=m.region) for m in items
        ],
    )


@router.get(
    "/directory/offers",
    auth=None,
    response={200: OfferPage, **public_errors()},
    summary="Search the help directory",
    description="Public: no token needed. The active offers serving a municipality (offers for its whole country "
    "included), for a group of people and an age; local offers first. An unknown municipality, audience or age "
    "is refused (422) with the field named in `errors`.",
)
def search_offers(request, filters: Query[OfferFilter]):
    municipality = None
    if filters.municipality is not None:
        municipality = services.municipalities().filter(pk=filters.municipality).first()
        if municipality is None:
            raise ValidationError({"municipality": _("Choose a municipality from the list.")})
    offers = services.search(
        municipality=municipality, audience=filters.audience or "", age=filters.age, country=filters.country or ""
    ).prefetch_related("municipalities")
    count, items = page_of(offers, filters)
    return OfferPage(count=count, limit=filters.limit, offset=filters.offset, items=[OfferOut.of(o) for o in items])


@router.get(
    "/directory/offers/{offer_id}",
    auth=None,
    response={200: OfferOut, **public_errors(404)},
    summary="One help offer",
    description="Public: no token needed. An active offer of the directory; not found (404) otherwise.",
)
def read_offer(request, offer_id: OfferId):
    return OfferOut.of(services.get_public_offer(offer_id))


@router.post(
    "/directory/offers/{offer_id}/self-referrals",
    auth=None,
    response={201: ReceiptOut, 429: ErrorOut, **public_errors(400, 404)},
    summary="Ask an offer for help (self-referral)",
    description="Public: no token needed. Checked like the web form: a 422 names each field with a problem "
    "(`errors`), and nothing is stored. The answer holds only the request's reference. The receiving "
    "organisation is told (a link, no personal data) and, with an e-mail address, the person gets a receipt. "
    "Limited per client address like the web form, and sharing its allowance (`SELF_REFERRAL_RATE`; only "
    "requests that pass the checks count): over the limit the answer is 429 and nothing is stored. Offers that "
    "do not accept self-referrals refuse with 422; inactive offers are 404.",
)
def send_self_referral(request, offer_id: OfferId, payload: SelfReferralIn):
    offer = services.get_public_offer(offer_id)
    data = payload.to_data()
    # As in the web form: only a request that could be sent counts against the client address's allowance.
    if not services.clean_self_referral(offer, data) and self_referral_limited(request):
        detail = _("You have sent several requests in a short time. Please wait an hour and try again.")
        return Status(429, ErrorOut(detail=detail))
    referral = services.submit_self_referral(offer, data)
    return Status(201, ReceiptOut(reference=referral.reference))


# --- The organisation's offers ------------------------------------------------------------------


@router.get(
    "/directory/my-offers",
    response={200: OwnOfferPage, **errors()},
    summary="Your organisation's help offers",
    description="Active and inactive, for organisation admins and the roles that manage programmes; an empty list "
    "for other roles.",
)
def list_own_offers(request, filters: Query[PageIn]):
    offers = services.offers_of(request.actor).prefetch_related("municipalities")
    count, items = page_of(offers, filters)
    return OwnOfferPage(count=count, limit=filters.limit, offset=filters.offset, items=[_own_offer(o) for o in items])


@router.post(
    "/directory/my-offers",
    response={201: OwnOfferOut, **errors(400)},
    summary="Add a help offer",
    description="For organisation admins (403 otherwise). The offer belongs to your organisation and its country. "
    "Refused (422) without an audience, without municipalities (or `nationwide`), or without a way to get in "
    "touch; `errors` names the fields.",
)
def add_offer(request, payload: OfferIn):
    data, municipality_ids = _offer_data(payload.model_dump())
    offer = services.save_offer(request.actor, None, data, municipality_ids)
    return Status(201, _own_offer(offer))


@router.get(
    "/directory/my-offers/{offer_id}",
    response={200: OwnOfferOut, **errors(404)},
    summary="One of your organisation's help offers",
    description="Not found (404) for another organisation's offer, or for roles that do not keep offers.",
)
def read_own_offer(request, offer_id: OfferId):
    return _own_offer(services.get_own_offer(request.actor, offer_id))


@router.patch(
    "/directory/my-offers/{offer_id}",
    response={200: OwnOfferOut, **errors(400, 404)},
    summary="Change a help offer",
    description="Only the fields sent change. For organisation admins (403 otherwise); checked like a new offer.",
)
def change_offer(request, offer_id: OfferId, payload: OfferPatch):
    actor = request.actor
    offer = services.get_own_offer(actor, offer_id)
    data, municipality_ids = _offer_data(payload.model_dump(exclude_unset=True))
    offer = services.save_offer(actor, offer, data, municipality_ids)
    return _own_offer(offer)


# --- The inbox ----------------------------------------------------------------------------------


@router.get(
    "/directory/inbox",
    response={200: SelfReferralPage, **errors()},
    summary="Self-referrals to your organisation",
    description="For the roles that manage programmes (empty for other roles that see personal data; 403 for "
    "roles without personal data). Open requests oldest first by default. Each request on the page is recorded "
    "in the audit trail.",
)
def list_inbox(request, filters: Query[InboxFilter]):
    actor = request.actor
    _require_personal_data(actor)
    count, items = page_of(services.inbox(actor, status=filters.status), filters)
    record_many(actor, Action.VIEW, items)
    return SelfReferralPage(
        count=count, limit=filters.limit, offset=filters.offset, items=[SelfReferralOut.of(r) for r in items]
    )


@router.get(
    "/directory/inbox/{referral_id}",
    response={200: SelfReferralDetailOut, **errors(404)},
    summary="One self-referral",
    description="With the intake answers, if any. Another organisation's request is not found (404). The read is "
    "recorded in the audit trail.",
)
def read_self_referral(request, referral_id: ReferralId):
    return _detail(_referral(request, referral_id))


@router.post(
    "/directory/inbox/{referral_id}/assign",
    response={200: SelfReferralDetailOut, **errors(400, 404)},
    summary="Assign a self-referral to a member",
    description="The member follows the request up; a new request becomes `assigned`. Refused (422) for a closed "
    "or converted request, or a user who is not a member of your organisation working with clients.",
)
def assign_self_referral(request, referral_id: ReferralId, payload: AssignIn):
    referral = services.assign(request.actor, _referral(request, referral_id), payload.user_id)
    return _detail(referral)


@router.post(
    "/directory/inbox/{referral_id}/contacted",
    response={200: SelfReferralDetailOut, **errors(404)},
    summary="Record that contact was made",
    description="The request becomes `contacted` (and yours, when nobody was assigned). Refused (422) when it is "
    "no longer open.",
)
def contacted_self_referral(request, referral_id: ReferralId):
    return _detail(services.mark_contacted(request.actor, _referral(request, referral_id)))


@router.post(
    "/directory/inbox/{referral_id}/close",
    response={200: SelfReferralDetailOut, **errors(400, 404)},
    summary="Close a self-referral",
    description="With a reason (and a note when the reason is `other`). Refused (422) when it is no longer open.",
)
def close_self_referral(request, referral_id: ReferralId, payload: CloseIn):
    referral = services.close(request.actor, _referral(request, referral_id), reason=payload.reason, note=payload.note)
    return _detail(referral)


@router.post(
    "/directory/inbox/{referral_id}/enrol",
    response={200: SelfReferralDetailOut, **errors(400, 404)},
    summary="Sign the person up for a programme run",
    description="The person becomes a participant (known by the name they gave, or the reference) with their "
    "contact details, and is enrolled (or put on the waiting list, or to a pre-interview). The request becomes "
    "`converted`. A run you cannot see is not found (404).",
)
def enrol_self_referral(request, referral_id: ReferralId, payload: EnrolIn):
    from kindred.programs.services import get_run

    actor = request.actor
    referral = _referral(request, referral_id)
    run = get_run(actor, payload.run_id)
    return _detail(services.convert_to_enrolment(actor, referral, run))


@router.post(
    "/directory/inbox/{referral_id}/client",
    response={200: SelfReferralDetailOut, **errors(400, 404)},
    summary="Take the person on as a client",
    description="Registers the person (or finds the one with the national id) and opens an episode of help for a "
    "relative, referred by themselves; the request becomes `converted`. Needs a role that records cases and "
    "manages programmes (403 otherwise).",
)
def client_from_self_referral(request, referral_id: ReferralId, payload: ClientIn):
    person = PersonData(
        given_name=payload.given_name,
        family_name=payload.family_name,
        national_id=payload.national_id,
        birth_date=payload.birth_date,
    )
    return _detail(services.convert_to_client(request.actor, _referral(request, referral_id), person))
