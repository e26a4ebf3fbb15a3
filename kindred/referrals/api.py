"""Cooperation between organisations in the API: referrals, consultations, who-does-what agreements, notifications.

Every endpoint calls the same services as the web (kindred.referrals.services). The receiving organisation sees
the person of a referral only while a consent in force covers it (kindred.consent.services.shares_for)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from kindred.api_schemas import DbId, PageIn, PageOut, PathId, choice, errors, page_of
from kindred.api_schemas import text as text_of
from kindred.audit.services import Action, record_many
from kindred.consent.api import SharedPersonOut
from kindred.consent.models import Category
from kindred.consent.services import covering_consent
from kindred.people.access import get_person
from kindred.people.models import Person
from kindred.referrals import services
from kindred.referrals.models import ChildAgreement, Consultation, ConsultationReply, Notification, Referral

router = Router(tags=["cooperation"])

CategoryChoice = choice(Category)
NewStatus = Literal[tuple(str(status) for status in services.TRANSITIONS)]
Direction = Literal["in", "out"]


# --- Schemas --------------------------------------------------------------------------------


class OrganisationRef(Schema):
    id: int
    name: str


def _org(organisation) -> OrganisationRef:
    return OrganisationRef(id=organisation.pk, name=organisation.name)


class ReferralIn(Schema):
    """A referral of a person your organisation holds. A consent in force, recorded at your organisation, must
    cover the receiver and every category chosen."""

    to_organisation_id: DbId = Field(description="The receiving organisation; not your own.")
    categories: list[CategoryChoice] = Field(
        max_length=len(Category.values), description="The information the referral shares; at least one."
    )
    reason: text_of(10000)
    urgency: choice(Referral.Urgency) = Referral.Urgency.NORMAL.value
    contact_person: text_of(200) = Field("", description="Who at your organisation the receiver can contact.")
    child_ids: list[DbId] = Field(
        default_factory=list, max_length=30, description="Children of the person to include in the referral."
    )
    send: bool = Field(True, description="Send at once; false keeps a draft that only your organisation sees.")

    def to_data(self) -> services.ReferralData:
        return services.ReferralData(
            to_organisation_id=self.to_organisation_id,
            reason=self.reason,
            categories=list(self.categories),
            urgency=self.urgency,
            contact_person=self.contact_person,
            child_ids=tuple(self.child_ids),
        )


class ReferralOut(Schema):
    id: int
    direction: Direction = Field(description="`out` when your organisation sent it, `in` when it received it.")
    from_organisation: OrganisationRef
    to_organisation: OrganisationRef
    person: SharedPersonOut | None = Field(
        description="Null for the receiving organisation when no consent in force covers it any more."
    )
    children: list[SharedPersonOut] | None = Field(
        description="The children included; the receiver sees only children shared with it. Null when the person "
        "is not shared."
    )
    categories: list[str] = Field(description="The information the referral shares under its consent.")
    reason: str | None = Field(description="Null when the person is not shared (see `person`).")
    urgency: str = Field(description="`normal` or `urgent`.")
    contact_person: str
    status: str = Field(description="`draft`, `sent`, `received`, `accepted`, `declined`, `completed` or `withdrawn`.")
    status_label: str
    decline_reason: str = Field(description="Why the receiver declined; empty otherwise.")
    created_at: datetime
    sent_at: datetime | None
    decided_at: datetime | None = Field(description="When it was accepted or declined.")


class ReferralEventOut(Schema):
    status: str
    status_label: str
    at: datetime
    organisation_id: int
    organisation_name: str
    note: str | None = Field(description="Null for the other organisation's notes when the person is not shared.")


class ReferralDetailOut(ReferralOut):
    consent_in_force: bool = Field(
        description="A consent in force still covers the receiver and the categories; acceptance needs it."
    )
    events: list[ReferralEventOut] = Field(description="The status workflow, oldest first.")


class ReferralPage(PageOut):
    items: list[ReferralOut]


class ReferralFilter(PageIn):
    box: Direction = Field(
        "in",
        description="`in`: referrals to your organisation that are sent, received or accepted, oldest first; "
        "`out`: referrals your organisation made (any status), newest first.",
    )


class ReferralStatusIn(Schema):
    """The next status. The sender may send a draft and withdraw; the receiver may mark it received, accept or
    decline it; either may complete an accepted referral."""

    status: NewStatus
    note: text_of(2000) = ""
    decline_reason: choice(Referral.DeclineReason) = Field("", description="Required when declining.")


class ConsultationIn(Schema):
    """A question to another organisation's team. Without `person_id` it must be anonymous: no national id and no
    full name of a person registered in Kindred."""

    to_organisation_id: DbId
    title: text_of(200)
    question: text_of(10000)
    person_id: DbId | None = Field(
        None, description="Link a person you may see; needs a consent in force that covers the receiver."
    )


class ConsultationOut(Schema):
    id: int
    direction: Direction = Field(description="`out` when your organisation asked, `in` when it was asked.")
    from_organisation: OrganisationRef
    to_organisation: OrganisationRef
    title: str
    status: str
    status_label: str
    created_at: datetime

    @classmethod
    def of(cls, actor, consultation: Consultation, **extra):
        return cls(
            id=consultation.pk,
            direction="out" if consultation.from_organisation_id == actor.organisation.pk else "in",
            from_organisation=_org(consultation.from_organisation),
            to_organisation=_org(consultation.to_organisation),
            title=consultation.title,
            status=consultation.status,
            status_label=str(consultation.get_status_display()),
            created_at=consultation.created_at,
            **extra,
        )


class ReplyIn(Schema):
    text: text_of(10000) = Field(description="In an anonymous consultation: no national id and no registered name.")


class ReplyOut(Schema):
    id: int
    organisation_id: int
    organisation_name: str
    author_name: str
    text: str
    created_at: datetime

    @classmethod
    def of(cls, reply: ConsultationReply) -> ReplyOut:
        return cls(
            id=reply.pk,
            organisation_id=reply.organisation_id,
            organisation_name=reply.organisation.name,
            author_name=reply.author.full_name if reply.author else "",
            text=reply.text,
            created_at=reply.created_at,
        )


class ConsultationDetailOut(ConsultationOut):
    question: str
    asked_by_name: str
    person: SharedPersonOut | None = Field(
        description="The linked person; null when anonymous, or when a consent no longer covers the receiver."
    )
    replies: list[ReplyOut] = Field(description="The thread, oldest first.")


class ConsultationPage(PageOut):
    items: list[ConsultationOut]


class AgreementIn(Schema):
    """Which service does a task for the child. One agreement per task: setting a task again replaces it."""

    task: choice(ChildAgreement.Task)
    responsible_organisation_id: DbId
    note: text_of(300) = ""


class AgreementOut(Schema):
    id: int
    child_id: int
    task: str
    task_label: str
    responsible_organisation: OrganisationRef
    note: str
    recorded_by_organisation: OrganisationRef
    recorded_at: datetime

    @classmethod
    def of(cls, agreement: ChildAgreement) -> AgreementOut:
        return cls(
            id=agreement.pk,
            child_id=agreement.child_id,
            task=agreement.task,
            task_label=str(agreement.get_task_display()),
            responsible_organisation=_org(agreement.responsible_organisation),
            note=agreement.note,
            recorded_by_organisation=_org(agreement.recorded_by_organisation),
            recorded_at=agreement.recorded_at,
        )


class NotificationOut(Schema):
    id: int
    kind: str
    kind_label: str
    message: str = Field(description="Never personal data: open `url` to read more.")
    url: str = Field(description="The page in the web app, relative to the site.")
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def of(cls, notification: Notification) -> NotificationOut:
        return cls(
            id=notification.pk,
            kind=notification.kind,
            kind_label=str(notification.get_kind_display()),
            message=notification.message,
            url=notification.url,
            created_at=notification.created_at,
            read_at=notification.read_at,
        )


class NotificationPage(PageOut):
    unread: int = Field(description="How many of all your notifications are unread.")
    items: list[NotificationOut]


class NotificationFilter(PageIn):
    unread: bool = Field(False, description="Only unread notifications.")


# --- Helpers --------------------------------------------------------------------------------


def _shared(actor, person: Person, referral: Referral, outgoing: bool) -> bool:
    return services.shown_on_referral(actor, referral, person)


def _referral_fields(actor, referral: Referral) -> dict:
    outgoing = referral.from_organisation_id == actor.organisation.pk
    shown = _shared(actor, referral.person, referral, outgoing)
    children = None
    if shown:
        children = [SharedPersonOut.of(c) for c in referral.children.all() if _shared(actor, c, referral, outgoing)]
    return {
        "id": referral.pk,
        "direction": "out" if outgoing else "in",
        "from_organisation": _org(referral.from_organisation),
        "to_organisation": _org(referral.to_organisation),
        "person": SharedPersonOut.of(referral.person) if shown else None,
        "children": children,
        "categories": referral.categories,
        "reason": referral.reason if shown else None,
        "urgency": referral.urgency,
        "contact_person": referral.contact_person,
        "status": referral.status,
        "status_label": str(referral.get_status_display()),
        "decline_reason": referral.decline_reason,
        "created_at": referral.created_at,
        "sent_at": referral.sent_at,
        "decided_at": referral.decided_at,
    }


def _referral_detail(actor, referral: Referral) -> ReferralDetailOut:
    fields = _referral_fields(actor, referral)
    shown = fields["person"] is not None
    own = actor.organisation.pk
    events = [
        ReferralEventOut(
            status=e.status,
            status_label=str(e.get_status_display()),
            at=e.at,
            organisation_id=e.organisation_id,
            organisation_name=e.organisation.name,
            note=e.note if shown or e.organisation_id == own else None,
        )
        for e in referral.events.select_related("organisation")
    ]
    in_force = (
        covering_consent(referral.person, referral.to_organisation, referral.from_organisation, referral.categories)
        is not None
    )
    return ReferralDetailOut(**fields, consent_in_force=in_force, events=events)


def _consultation_detail(actor, consultation: Consultation) -> ConsultationDetailOut:
    replies = consultation.replies.select_related("author", "organisation")
    return ConsultationDetailOut.of(
        actor,
        consultation,
        question=consultation.question,
        asked_by_name=consultation.asked_by.full_name if consultation.asked_by else "",
        person=SharedPersonOut.of(consultation.person) if consultation.person_id else None,
        replies=[ReplyOut.of(r) for r in replies],
    )


def _child(pk: int) -> Person:
    """The child by id; whether the actor may see it is the agreement services' decision (404 otherwise)."""
    child = Person.objects.filter(pk=pk).first()
    if child is None:
        raise Http404
    return child


# --- Referrals ------------------------------------------------------------------------------


@router.post(
    "/persons/{person_id}/referrals",
    response={201: ReferralDetailOut, **errors(400, 404)},
    summary="Refer a person to another organisation",
    description="Sends the referral at once (or keeps a draft with `send: false`). Refused (422) when no consent "
    "in force, recorded at your organisation, covers the receiver and every category chosen: the `detail` says "
    "the consent does not cover it, and nothing is stored. Also refused for an unknown receiver, your own "
    "organisation, an empty reason or children who are not the person's. The receiver is notified (in the app "
    "and by an e-mail with only a link). Not found (404) when the person is outside what you may see.",
)
def add_referral(request, person_id: PathId, payload: ReferralIn):
    actor = request.actor
    person = get_person(actor, person_id)
    referral = services.create_referral(actor, person, payload.to_data(), send=payload.send)
    return Status(201, _referral_detail(actor, referral))


@router.get(
    "/referrals",
    response={200: ReferralPage, **errors()},
    summary="Your organisation's referral inbox or outbox",
    description="`box=in`: referrals to your organisation that are sent, received or accepted; `box=out`: "
    "referrals your organisation made. Each referral whose person is shown is recorded in the audit trail.",
)
def list_referrals(request, filters: Query[ReferralFilter]):
    actor = request.actor
    referrals = services.inbox(actor) if filters.box == "in" else services.outbox(actor)
    referrals = referrals.select_related("from_organisation", "to_organisation").prefetch_related("children")
    count, items = page_of(referrals, filters)
    rows = [ReferralOut(**_referral_fields(actor, r)) for r in items]
    record_many(actor, Action.VIEW, [r for r, row in zip(items, rows, strict=True) if row.person is not None])
    return ReferralPage(count=count, limit=filters.limit, offset=filters.offset, items=rows)


@router.get(
    "/referrals/{referral_id}",
    response={200: ReferralDetailOut, **errors(404)},
    summary="One referral with its status history",
    description="For the organisation that sent it (while you may see the person) or received it (once sent). "
    "Not found (404) otherwise. The read is recorded in the audit trail.",
)
def read_referral(request, referral_id: PathId):
    actor = request.actor
    return _referral_detail(actor, services.get_referral(actor, referral_id))


@router.post(
    "/referrals/{referral_id}/status",
    response={200: ReferralDetailOut, **errors(400, 404)},
    summary="Move a referral to its next status",
    description="The sender sends a draft (`sent`) or withdraws (`withdrawn`); the receiver marks it `received`, "
    "`accepted` or `declined` (with `decline_reason`); either completes an accepted referral (`completed`). "
    "Refused (422) for a change your organisation may not make, from the current status, or acceptance once the "
    "consent behind it has expired or been revoked. Each change is recorded and the other organisation notified.",
)
def set_referral_status(request, referral_id: PathId, payload: ReferralStatusIn):
    actor = request.actor
    referral = services.get_referral(actor, referral_id)
    referral = services.change_status(
        actor, referral, payload.status, note=payload.note, decline_reason=payload.decline_reason
    )
    return _referral_detail(actor, referral)


# --- Consultations --------------------------------------------------------------------------


@router.post(
    "/consultations",
    response={201: ConsultationDetailOut, **errors(400, 404)},
    summary="Ask another organisation for advice",
    description="Anonymous unless `person_id` is given with a consent in force that covers the receiver. An "
    "anonymous question that contains a national id or the full name of a person registered in Kindred is "
    "refused (422). Not found (404) when `person_id` is a person you may not see.",
)
def ask(request, payload: ConsultationIn):
    actor = request.actor
    person = get_person(actor, payload.person_id) if payload.person_id is not None else None
    consultation = services.ask_consultation(
        actor,
        to_organisation_id=payload.to_organisation_id,
        title=payload.title,
        question=payload.question,
        person=person,
    )
    return Status(201, _consultation_detail(actor, consultation))


@router.get(
    "/consultations",
    response={200: ConsultationPage, **errors()},
    summary="Consultations your organisation asked or was asked",
    description="Newest first. Roles that do not see personal data get an empty list.",
)
def list_consultations(request, page: Query[PageIn]):
    actor = request.actor
    consultations = services.visible_consultations(actor).select_related(
        "from_organisation", "to_organisation", "person"
    )
    count, items = page_of(consultations.order_by("-created_at", "-id"), page)
    record_many(actor, Action.VIEW, [c for c in items if c.person_id])
    return ConsultationPage(
        count=count, limit=page.limit, offset=page.offset, items=[ConsultationOut.of(actor, c) for c in items]
    )


@router.get(
    "/consultations/{consultation_id}",
    response={200: ConsultationDetailOut, **errors(404)},
    summary="One consultation with its replies",
    description="Not found (404) for other organisations' consultations.",
)
def read_consultation(request, consultation_id: PathId):
    actor = request.actor
    return _consultation_detail(actor, services.get_consultation(actor, consultation_id))


@router.post(
    "/consultations/{consultation_id}/replies",
    response={201: ReplyOut, **errors(400, 404)},
    summary="Reply in a consultation",
    description="An answer from the organisation asked marks the consultation answered; the other organisation "
    "is notified. Refused (422) when the consultation is closed, the text is empty, or an anonymous "
    "consultation's reply contains a national id or a registered person's full name.",
)
def reply(request, consultation_id: PathId, payload: ReplyIn):
    actor = request.actor
    consultation = services.get_consultation(actor, consultation_id)
    return Status(201, ReplyOut.of(services.reply_to_consultation(actor, consultation, payload.text)))


@router.post(
    "/consultations/{consultation_id}/close",
    response={200: ConsultationDetailOut, **errors(404)},
    summary="Close a consultation",
    description="Only the organisation that asked can close it (422 otherwise); no more replies after that.",
)
def close(request, consultation_id: PathId):
    actor = request.actor
    consultation = services.close_consultation(actor, services.get_consultation(actor, consultation_id))
    return _consultation_detail(actor, consultation)


# --- Who does what for a child --------------------------------------------------------------


@router.get(
    "/children/{child_id}/agreements",
    response={200: list[AgreementOut], **errors(404)},
    summary="Who does what for a child",
    description="The agreements between the services involved, by task. For the organisations that hold the "
    "child and those a consent covering the children's situation shares the child with; not found (404) for "
    "others.",
)
def list_agreements(request, child_id: PathId):
    actor = request.actor
    agreements = list(services.agreements_for(actor, _child(child_id)))
    record_many(actor, Action.VIEW, agreements)
    return [AgreementOut.of(a) for a in agreements]


@router.put(
    "/children/{child_id}/agreements",
    response={200: list[AgreementOut], **errors(400, 404)},
    summary="Set who does a task for a child",
    description="Creates or replaces the agreement for the task and returns all of the child's agreements. "
    "Refused (422) for an unknown responsible organisation; not found (404) as for reading.",
)
def set_agreement(request, child_id: PathId, payload: AgreementIn):
    actor = request.actor
    child = _child(child_id)
    services.set_agreement(
        actor,
        child,
        task=payload.task,
        responsible_organisation_id=payload.responsible_organisation_id,
        note=payload.note,
    )
    return [AgreementOut.of(a) for a in services.agreements_for(actor, child)]


# --- Notifications --------------------------------------------------------------------------


@router.get(
    "/notifications",
    response={200: NotificationPage, **errors()},
    summary="Your notifications",
    description="For you and for your organisation, newest first. They never hold personal data: a message and a link.",
)
def list_notifications(request, filters: Query[NotificationFilter]):
    actor = request.actor
    notifications = services.notifications_for(actor)
    unread = notifications.filter(read_at__isnull=True)
    count, items = page_of(unread if filters.unread else notifications, filters)
    return NotificationPage(
        count=count,
        unread=unread.count(),
        limit=filters.limit,
        offset=filters.offset,
        items=[NotificationOut.of(n) for n in items],
    )


@router.post(
    "/notifications/{notification_id}/read",
    response={200: NotificationOut, **errors(404)},
    summary="Mark a notification read",
    description="Marking it again changes nothing. Not found (404) for notifications that are not yours.",
)
def read_notification(request, notification_id: PathId):
    actor = request.actor
    if not services.notifications_for(actor).filter(pk=notification_id).exists():
        raise Http404
    services.mark_read(actor, notification_id)
    return NotificationOut.of(services.notifications_for(actor).get(pk=notification_id))
