"""Consents and what other organisations share with yours, in the API.

Every endpoint calls the same services as the web: the person through kindred.people.access, consents
and the sharing rule through kindred.consent.services. What is shared is exactly what the rule allows:
a category that is not consented to is absent (null), never an empty list that would tell it exists."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.http import Http404
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from ninja import Body, Field, Query, Router, Schema, Status

from kindred.api_schemas import DbId, PageIn, PageOut, PathId, choice, errors, page_of, text
from kindred.audit.services import Action, record_many
from kindred.consent import services
from kindred.consent.models import Category, Consent
from kindred.orgs.models import Capability, Organisation
from kindred.people.access import get_person
from kindred.people.models import Person

router = Router(tags=["consent"])

CategoryChoice = choice(Category)
RecipientKind = Literal[("", *Organisation.Kind.values)]
ConsentState = Literal["valid", "expired", "revoked", "future"]


# --- Schemas --------------------------------------------------------------------------------


class ConsentIn(Schema):
    """A consent given by the person (or a guardian) that your organisation may share some of their information.

    Name the receiver either by `recipient_organisation_id` or by `recipient_kind` (optionally limited to
    `recipient_municipality`), not both. A scanned consent can only be attached in the web app."""

    categories: list[CategoryChoice] = Field(
        max_length=len(Category.values), description="The information the consent covers; at least one."
    )
    recipient_organisation_id: DbId | None = Field(None, description="The one organisation that may receive it.")
    recipient_kind: RecipientKind = Field("", description="Or every service of this kind.")
    recipient_municipality: text(4) = Field(
        "", description="With `recipient_kind`: only services in this municipality (3 or 4 digits); empty for any."
    )
    purpose: text(2000) = Field(description="What the information may be used for.")
    valid_from: date
    valid_until: date = Field(description="The last day the consent is in force; not before `valid_from`.")
    form: choice(Consent.Form) = Field(description="How the consent was given.")
    given_by: choice(Consent.GivenBy) = Consent.GivenBy.PERSON.value
    guardian_name: text(200) = Field("", description="Required when `given_by` is `guardian`.")

    def to_data(self) -> services.ConsentData:
        return services.ConsentData(**self.model_dump())


class RevokeIn(Schema):
    revoked_on: date | None = Field(None, description="When the person withdrew the consent; today when left out.")


class ConsentOut(Schema):
    id: int
    person_id: int
    summary: str = Field(description="The consent in plain language, with whether it is in force.")
    state: ConsentState = Field(
        description="`valid` (in force), `expired`, `revoked` (withdrawn) or `future` (not yet in force). "
        "Only a valid consent shares anything."
    )
    categories: list[str] = Field(description="Of `children`, `episode`, `instruments`, `programmes`.")
    category_labels: list[str] = Field(description="The categories in words, in the request's language.")
    organisation_id: int = Field(description="The organisation that recorded the consent (yours).")
    recipient_organisation_id: int | None
    recipient_kind: str
    recipient_municipality: str
    recipient_label: str = Field(description="The receiver in words: an organisation, or a kind of service.")
    purpose: str
    valid_from: date
    valid_until: date
    form: str = Field(description="`verbal` or `written`.")
    given_by: str = Field(description="`person` or `guardian`.")
    guardian_name: str
    has_scan: bool = Field(description="A scanned consent is on file (attached in the web app).")
    recorded_at: datetime
    recorded_by_id: int | None
    revoked_at: datetime | None = Field(description="When the revocation was recorded; sharing stopped then.")
    revoked_on: date | None = Field(description="The day the person withdrew the consent.")

    @classmethod
    def of(cls, consent: Consent) -> ConsentOut:
        return cls(
            id=consent.pk,
            person_id=consent.person_id,
            summary=_summary(consent),
            state=consent.state,
            categories=consent.categories,
            category_labels=consent.category_labels(),
            organisation_id=consent.organisation_id,
            recipient_organisation_id=consent.recipient_organisation_id,
            recipient_kind=consent.recipient_kind,
            recipient_municipality=consent.recipient_municipality,
            recipient_label=str(consent.recipient_label),
            purpose=consent.purpose,
            valid_from=consent.valid_from,
            valid_until=consent.valid_until,
            form=consent.form,
            given_by=consent.given_by,
            guardian_name=consent.guardian_name,
            has_scan=bool(consent.scan),
            recorded_at=consent.recorded_at,
            recorded_by_id=consent.recorded_by_id,
            revoked_at=consent.revoked_at,
            revoked_on=consent.revoked_on,
        )


class SharedPersonOut(Schema):
    """A person as another organisation shares them: name and age, never the national id."""

    id: int
    display_name: str
    given_name: str
    family_name: str
    birth_date: date | None
    birth_year: int | None
    age: int | None = Field(description="Whole years today; from the birth year alone when that is all we know.")

    @classmethod
    def of(cls, person: Person) -> SharedPersonOut:
        return cls(
            id=person.pk,
            display_name=person.display_name,
            given_name=person.given_name,
            family_name=person.family_name,
            birth_date=person.birth_date,
            birth_year=person.birth_year,
            age=person.age,
        )


class SharedPersonPage(PageOut):
    items: list[SharedPersonOut]


class SharedEpisodeOut(Schema):
    kind: str
    kind_label: str
    status: str
    status_label: str
    started_on: date
    problem_areas: list[str]
    problem_area_labels: list[str]


class SharedSheetOut(Schema):
    concern_level: str
    concern_level_label: str
    who_informs: str
    who_informs_label: str


class SharedInformationOut(Schema):
    given_on: date
    form: str
    form_label: str


class SharedAgreementOut(Schema):
    task: str
    task_label: str
    responsible_organisation_id: int
    responsible_organisation_name: str


class SharedChildOut(Schema):
    child: SharedPersonOut
    sheets: list[SharedSheetOut] = Field(description="The concern level and who informs the child, per sheet.")
    information: list[SharedInformationOut] = Field(description="When and how the child was informed.")
    agreements: list[SharedAgreementOut] = Field(description="Which service does what for the child.")


class ShareOut(Schema):
    """What one organisation shares. A category that is not consented to is null, never an empty list."""

    organisation_id: int
    organisation_name: str
    categories: list[str] = Field(description="The consented categories.")
    episodes: list[SharedEpisodeOut] | None = Field(
        None, description="The organisation's episodes of the person; only with the `episode` category, else null."
    )
    children: list[SharedChildOut] | None = Field(
        None,
        description="The minor children's situation (for a child: the child's own); only with the `children` "
        "category, else null.",
    )


class SharedDetailOut(Schema):
    person: SharedPersonOut
    shares: list[ShareOut] = Field(description="One entry per organisation that shares something.")


# --- Helpers --------------------------------------------------------------------------------


def _day(value: date | None) -> str:
    return date_format(value, "SHORT_DATE_FORMAT") if value else ""


def _summary(consent: Consent) -> str:
    """The consent in words, as the person page says it."""
    sentence = _(
        "%(who)s has agreed (%(given)s) that %(org)s may share %(what)s with %(to)s, for this purpose: "
        "%(purpose)s. Valid from %(date)s until %(until)s."
    ) % {
        "who": consent.guardian_name or str(consent.person),
        "given": str(consent.get_form_display()).lower(),
        "org": consent.organisation.name,
        "what": ", ".join(consent.category_labels()).lower(),
        "to": consent.recipient_label,
        "purpose": consent.purpose,
        "date": _day(consent.valid_from),
        "until": _day(consent.valid_until),
    }
    state = consent.state
    if state == "revoked":
        status = _("Withdrawn %(date)s.") % {"date": _day(consent.revoked_on)}
    elif state == "expired":
        status = _("Expired.")
    elif state == "future":
        status = _("Not yet in force.")
    else:
        status = _("In force.")
    return f"{sentence} {status}"


def _share_out(share: services.Share, person: Person) -> tuple[ShareOut, list[Person]]:
    """The consented parts of one share, and the children it shows (for the audit trail)."""
    summary = services.shared_summary(share, person)
    episodes = None
    if "episodes" in summary:
        episodes = [
            SharedEpisodeOut(
                kind=e.kind,
                kind_label=str(e.get_kind_display()),
                status=e.status,
                status_label=str(e.get_status_display()),
                started_on=e.started_on,
                problem_areas=e.problem_areas,
                problem_area_labels=[str(label) for label in e.problem_area_labels()],
            )
            for e in summary["episodes"]
        ]
    children = None
    shown: list[Person] = []
    if "children" in summary:
        children = []
        for row in summary["children"]:
            shown.append(row["child"])
            children.append(
                SharedChildOut(
                    child=SharedPersonOut.of(row["child"]),
                    sheets=[
                        SharedSheetOut(
                            concern_level=s.concern_level,
                            concern_level_label=str(s.get_concern_level_display()),
                            who_informs=s.who_informs,
                            who_informs_label=str(s.get_who_informs_display()) if s.who_informs else "",
                        )
                        for s in row["sheets"]
                    ],
                    information=[
                        SharedInformationOut(given_on=i.given_on, form=i.form, form_label=str(i.get_form_display()))
                        for i in row["information"]
                    ],
                    agreements=[
                        SharedAgreementOut(
                            task=a.task,
                            task_label=str(a.get_task_display()),
                            responsible_organisation_id=a.responsible_organisation_id,
                            responsible_organisation_name=a.responsible_organisation.name,
                        )
                        for a in row["agreements"]
                    ],
                )
            )
    out = ShareOut(
        organisation_id=share.organisation.pk,
        organisation_name=share.organisation.name,
        categories=sorted(share.categories),
        episodes=episodes,
        children=children,
    )
    return out, shown


def _require_personal_data(actor) -> None:
    if not actor.can(Capability.VIEW_PERSONAL_DATA):
        raise PermissionError(Capability.VIEW_PERSONAL_DATA)


# --- Consents -------------------------------------------------------------------------------


@router.post(
    "/persons/{person_id}/consents",
    response={201: ConsentOut, **errors(400, 404)},
    summary="Record a consent",
    description="Records that the person (or a guardian) agreed that your organisation may share the chosen "
    "information with one organisation, or with every service of a kind (in a municipality). Sharing starts "
    "on `valid_from` and ends after `valid_until` or when the consent is revoked. Refused (422) when the dates "
    "are reversed, no information is chosen, the receiver is unknown or named twice, or a guardian's name is "
    "missing; nothing is recorded then. Not found (404) when the person is outside what you may see.",
)
def add_consent(request, person_id: PathId, payload: ConsentIn):
    actor = request.actor
    person = get_person(actor, person_id)
    return Status(201, ConsentOut.of(services.record_consent(actor, person, payload.to_data())))


@router.get(
    "/persons/{person_id}/consents",
    response={200: list[ConsentOut], **errors(404)},
    summary="The consents your organisation recorded for a person",
    description="Newest first, in force or not, each with a plain-language `summary` and its `state`. "
    "Consents recorded by other organisations are not listed. Not found (404) when the person is outside "
    "what you may see.",
)
def list_consents(request, person_id: PathId):
    actor = request.actor
    person = get_person(actor, person_id)
    consents = (
        services.consents_recorded_by(actor)
        .filter(person=person)
        .select_related("person", "organisation", "recipient_organisation")
    )
    return [ConsentOut.of(c) for c in consents]


@router.post(
    "/consents/{consent_id}/revoke",
    response={200: ConsentOut, **errors(400, 404)},
    summary="Revoke a consent",
    description="Records that the person withdrew the consent. Nothing more is shared under it from the next "
    "request on, and a referral under it can no longer be accepted. Revoking twice changes nothing. The body "
    "may be left out. Not found (404) for consents recorded by another organisation or about a person outside "
    "what you may see; a revocation date in the future is refused (422).",
)
def revoke_consent(request, consent_id: PathId, payload: Body[RevokeIn | None] = None):
    actor = request.actor
    try:
        consent = services.consents_recorded_by(actor).select_related("person", "organisation").get(pk=consent_id)
    except Consent.DoesNotExist:
        raise Http404 from None
    get_person(actor, consent.person_id, obj=consent)
    revoked_on = payload.revoked_on if payload is not None else None
    return ConsentOut.of(services.revoke_consent(actor, consent, revoked_on=revoked_on))


# --- What others share with us ----------------------------------------------------------------


@router.get(
    "/shared",
    response={200: SharedPersonPage, **errors()},
    summary="Persons other organisations share with yours",
    description="Persons for whom a consent in force, recorded at another organisation, covers yours (by name, "
    "or by kind in your municipality), and the minor children of parents whose consent covers the children's "
    "situation. Sorted by name. Each person on the page is recorded in the audit trail. Roles that do not see "
    "personal data get 403.",
)
def list_shared(request, page: Query[PageIn]):
    actor = request.actor
    _require_personal_data(actor)
    persons = services.shared_persons(actor).order_by("family_name", "given_name", "id")
    count, items = page_of(persons, page)
    record_many(actor, Action.VIEW, items)
    return SharedPersonPage(
        count=count, limit=page.limit, offset=page.offset, items=[SharedPersonOut.of(p) for p in items]
    )


@router.get(
    "/shared/{person_id}",
    response={200: SharedDetailOut, **errors(404)},
    summary="What other organisations share about one person",
    description="Only the consented parts, per sharing organisation: `episodes` only with the `episode` "
    "category and `children` only with the `children` category; a part that is not consented to is null. "
    "Not found (404) when nothing is shared with your organisation (no consent, or it expired, was revoked or "
    "is not yet in force). The read, and each child shown, is recorded in the audit trail.",
)
def read_shared(request, person_id: PathId):
    actor = request.actor
    _require_personal_data(actor)
    person, shares = services.get_shared_person(actor, person_id)
    out, children = [], []
    for share in shares:
        share_out, shown = _share_out(share, person)
        out.append(share_out)
        children.extend(c for c in shown if c.pk != person.pk)
    if children:
        record_many(actor, Action.VIEW, list({c.pk: c for c in children}.values()))
    return SharedDetailOut(person=SharedPersonOut.of(person), shares=out)
