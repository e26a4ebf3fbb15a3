"""Episodes, the children of patients, child sheets, tasks and concern reports in the API.

Every endpoint calls the same services as the web: access comes from kindred.people.access,
changes and their audit rows from kindred.care.services."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import model_validator

from kindred.api_schemas import DbId, PageIn, PageOut, PathId, choice, errors, page_of, text
from kindred.audit.services import Action, record_many
from kindred.care import services
from kindred.care.models import (
    ChildFollowUp,
    ChildrenAnswer,
    ChildSheet,
    ConcernReport,
    Episode,
    InformationGiven,
    ProblemArea,
    SiblingsAnswer,
    Task,
)
from kindred.orgs.models import Capability
from kindred.people.access import get_episode, get_person, visible_episodes
from kindred.people.api import PersonIn, PersonOut
from kindred.people.models import Relationship

router = Router(tags=["care"])

EpisodeKind = choice(Episode.Kind)
ReferredByChoice = choice(Episode.ReferredBy)
RelativeRelation = Literal[tuple(services.RELATIVE_RELATIONS)]
EpisodeStatus = choice(Episode.Status)
ProblemAreaChoice = choice(ProblemArea)
PregnancyChoice = choice(Episode.Pregnancy)
SourceChoice = choice(Episode.Source)
ChildrenAnswerChoice = choice(ChildrenAnswer)
SiblingsAnswerChoice = choice(SiblingsAnswer)
ResponsibilityChoice = choice(Relationship.ParentalResponsibility)
ConcernChoice = choice(ChildSheet.Concern)
InformerChoice = choice(ChildSheet.Informer)
InformationForm = choice(InformationGiven.Form)
TaskStatus = choice(Task.Status)
ReportBasis = choice(ConcernReport.Basis)
FeedbackChoice = choice(ConcernReport.Feedback)
ChildState = Literal[("", *services.CHILD_FILTERS)]
ChildOrder = Literal[tuple(services.CHILD_ORDERINGS)]


# --- Schemas --------------------------------------------------------------------------------


class EpisodeIn(Schema):
    kind: EpisodeKind
    started_on: date
    responsible_id: DbId | None = Field(None, description="A member of your organisation; you when left out.")
    child_contact_id: DbId | None = Field(None, description="The child-responsible contact, a member.")
    problem_areas: list[ProblemAreaChoice] = Field(default_factory=list, max_length=len(ProblemArea.values))
    pregnancy: PregnancyChoice = Episode.Pregnancy.UNKNOWN.value
    due_date: date | None = Field(None, description="Only with pregnancy `yes`; within the next ten months.")
    referred_by: ReferredByChoice = Field("", description="Who referred the client: `gp`, `self`, `other_service`.")

    def to_data(self) -> services.EpisodeData:
        return services.EpisodeData(**self.model_dump())


class IntakeIn(Schema):
    """A new patient or client: the person (an existing person with the same national id is reused) and
    the episode, which starts in intake."""

    person: PersonIn
    episode: EpisodeIn


class RelativeEpisodeIn(Schema):
    """The episode of a relative as a client: its kind is always `relative`."""

    started_on: date
    responsible_id: DbId | None = Field(None, description="A member of your organisation; you when left out.")
    child_contact_id: DbId | None = Field(None, description="The child-responsible contact, a member.")
    problem_areas: list[ProblemAreaChoice] = Field(default_factory=list, max_length=len(ProblemArea.values))
    pregnancy: PregnancyChoice = Episode.Pregnancy.UNKNOWN.value
    due_date: date | None = Field(None, description="Only with pregnancy `yes`; within the next ten months.")
    referred_by: ReferredByChoice = Field("", description="Who referred the client: `gp`, `self`, `other_service`.")

    def to_data(self) -> services.EpisodeData:
        return services.EpisodeData(kind=Episode.Kind.RELATIVE, **self.model_dump())


class RelativeIntakeIn(Schema):
    """A relative as a client in their own right, linked to the person whose substance or gambling problem
    affects them: `affected_by_id` of a person you may see, or a new `affected_person`."""

    person: PersonIn
    episode: RelativeEpisodeIn
    affected_by_id: DbId | None = None
    affected_person: PersonIn | None = None
    relation: RelativeRelation = Field(
        description="What the client is to the person with the problem: `partner`, `child` (the client is their "
        "child), `parent`, `sibling` or `other`."
    )
    description: text(100) = Field("", description="For example step-parent, friend or neighbour.")

    @model_validator(mode="after")
    def _existing_or_new(self):
        if (self.affected_by_id is None) == (self.affected_person is None):
            raise ValueError(_("Give either affected_by_id or affected_person."))
        return self


class EpisodeOut(Schema):
    id: int
    patient: PersonOut
    organisation_id: int
    kind: str
    kind_label: str
    status: str
    status_label: str
    started_on: date
    ended_on: date | None
    responsible_id: int | None
    child_contact_id: int | None
    problem_areas: list[str]
    pregnancy: str
    due_date: date | None
    referred_by: str
    affected_by_id: int | None = Field(
        description="For a relative's episode: the person whose substance or gambling problem affects the client."
    )
    children_answer: str
    siblings_answer: str
    answer_source: str
    answered_at: datetime | None
    is_answered: bool

    @classmethod
    def of(cls, episode: Episode, **extra):
        return cls(
            id=episode.pk,
            patient=PersonOut.model_validate(episode.patient),
            organisation_id=episode.organisation_id,
            kind=episode.kind,
            kind_label=str(episode.get_kind_display()),
            status=episode.status,
            status_label=str(episode.get_status_display()),
            started_on=episode.started_on,
            ended_on=episode.ended_on,
            responsible_id=episode.responsible_id,
            child_contact_id=episode.child_contact_id,
            problem_areas=episode.problem_areas,
            pregnancy=episode.pregnancy,
            due_date=episode.due_date,
            referred_by=episode.referred_by,
            affected_by_id=episode.affected_by_id,
            children_answer=episode.children_answer,
            siblings_answer=episode.siblings_answer,
            answer_source=episode.answer_source,
            answered_at=episode.answered_at,
            is_answered=episode.is_answered,
            **extra,
        )


class EpisodeDetailOut(EpisodeOut):
    children: list[PersonOut] = Field(description="The patient's children (minor or not), oldest first.")


class EpisodePage(PageOut):
    items: list[EpisodeOut]


class EpisodeFilter(PageIn):
    status: EpisodeStatus | None = None


class ChildIn(Schema):
    """A child named in the children answer: `existing_id` of a person you may see, or a new `person`."""

    existing_id: DbId | None = None
    person: PersonIn | None = None
    parental_responsibility: ResponsibilityChoice = ""
    lives_together: bool | None = None
    contact_arrangement: text(200) = ""

    @model_validator(mode="after")
    def _existing_or_new(self):
        if (self.existing_id is None) == (self.person is None):
            raise ValueError(_("Give either existing_id or person for each child."))
        return self

    def to_input(self) -> services.ChildInput:
        return services.ChildInput(
            existing_id=self.existing_id,
            person=self.person.to_data() if self.person is not None else None,
            parental_responsibility=self.parental_responsibility,
            lives_together=self.lives_together,
            contact_arrangement=self.contact_arrangement,
        )


class ChildrenAnswerIn(Schema):
    children_answer: ChildrenAnswerChoice
    siblings_answer: SiblingsAnswerChoice
    source: SourceChoice
    children: list[ChildIn] = Field(default_factory=list, max_length=30)


class SummaryIn(Schema):
    child_id: DbId
    summary: text(10000)


class DischargeIn(Schema):
    ended_on: date
    summaries: list[SummaryIn] = Field(
        default_factory=list, max_length=50, description="A handover summary for each minor child."
    )


class QuestionOut(Schema):
    key: str
    text: str
    help: str = ""


class SectionOut(Schema):
    key: str
    title: str
    questions: list[QuestionOut]


class SheetOut(Schema):
    episode_id: int
    child_id: int
    saved: bool = Field(description="False until the sheet is first saved.")
    template_id: int
    template_version: int
    template_title: str
    template_language: str
    sections: list[SectionOut]
    answers: dict[str, str]
    concern_level: str
    who_informs: str
    discharge_summary: str
    updated_at: datetime | None
    updated_by_id: int | None


class SheetIn(Schema):
    answers: dict[text(64), text(10000)] = Field(
        max_length=200, description="Answers by question key; empty answers are dropped."
    )
    concern_level: ConcernChoice
    who_informs: InformerChoice


class InformationIn(Schema):
    given_on: date
    form: InformationForm
    present: text(200) = ""


class InformationOut(Schema):
    id: int
    episode_id: int
    child_id: int
    given_on: date
    form: str
    present: str
    given_by_id: int | None
    created_at: datetime


class TaskIn(Schema):
    title: text(200)
    due_on: date
    assignee_id: DbId | None = Field(None, description="A member of your organisation; you when left out.")
    child_id: DbId | None = Field(None, description="One of the patient's children, when the task is about one.")


class TaskOut(Schema):
    id: int
    episode_id: int
    patient_id: int
    patient_name: str
    child_id: int | None
    child_name: str | None
    title: str
    assignee_id: int
    due_on: date
    status: str
    is_overdue: bool
    created_at: datetime
    done_at: datetime | None

    @classmethod
    def of(cls, task: Task) -> TaskOut:
        return cls(
            id=task.pk,
            episode_id=task.episode_id,
            patient_id=task.episode.patient_id,
            patient_name=str(task.episode.patient),
            child_id=task.child_id,
            child_name=str(task.child) if task.child_id else None,
            title=task.title,
            assignee_id=task.assignee_id,
            due_on=task.due_on,
            status=task.status,
            is_overdue=task.is_overdue,
            created_at=task.created_at,
            done_at=task.done_at,
        )


class TaskPage(PageOut):
    items: list[TaskOut]


class TaskFilter(PageIn):
    all: bool = Field(False, description="The unit's open tasks instead of yours (needs the children overview).")


class TaskStatusIn(Schema):
    status: TaskStatus


class ConcernReportIn(Schema):
    recipient: text(200) = Field(description="The child welfare service that receives the report.")
    recipient_municipality: text(4) = ""
    basis: ReportBasis
    reason: text(10000)
    parent_informed: bool
    parent_not_informed_reason: text(10000) = ""
    forwarding_contact: text(200) = ""
    sent_on: date

    def to_data(self) -> services.ConcernData:
        return services.ConcernData(**self.model_dump())


class ConcernReportOut(Schema):
    id: int
    episode_id: int
    child_id: int
    recipient: str
    recipient_municipality: str
    basis: str
    basis_label: str
    reason: str
    parent_informed: bool
    parent_not_informed_reason: str
    forwarding_contact: str
    sender_id: int | None
    sent_on: date
    feedback_on: date | None
    feedback_status: str
    feedback_due_on: date
    feedback_overdue: bool

    @classmethod
    def of(cls, report: ConcernReport) -> ConcernReportOut:
        return cls(
            id=report.pk,
            episode_id=report.episode_id,
            child_id=report.child_id,
            recipient=report.recipient,
            recipient_municipality=report.recipient_municipality,
            basis=report.basis,
            basis_label=str(report.get_basis_display()),
            reason=report.reason,
            parent_informed=report.parent_informed,
            parent_not_informed_reason=report.parent_not_informed_reason,
            forwarding_contact=report.forwarding_contact,
            sender_id=report.sender_id,
            sent_on=report.sent_on,
            feedback_on=report.feedback_on,
            feedback_status=report.feedback_status,
            feedback_due_on=report.feedback_due_on,
            feedback_overdue=report.feedback_overdue,
        )


class FeedbackIn(Schema):
    feedback_on: date
    status: FeedbackChoice


class ChildRowOut(Schema):
    child: PersonOut
    parent: PersonOut
    episode_id: int
    episode_status: str
    episode_started_on: date
    parental_responsibility: str
    lives_together: bool | None
    has_sheet: bool
    informed: bool = Field(description="The child has been talked with or informed.")
    concern_level: str | None
    overdue_tasks: int
    open_reports: int = Field(description="Concern reports still without feedback.")

    @classmethod
    def of(cls, row: ChildFollowUp) -> ChildRowOut:
        """A row of children_overview: a child's follow-up in an episode, with the number of overdue tasks."""
        return cls(
            child=PersonOut.model_validate(row.child),
            parent=PersonOut.model_validate(row.parent),
            episode_id=row.episode_id,
            episode_status=row.episode.status,
            episode_started_on=row.episode.started_on,
            parental_responsibility=row.relationship.parental_responsibility,
            lives_together=row.relationship.lives_together,
            has_sheet=row.has_sheet,
            informed=row.informed,
            concern_level=row.concern,
            overdue_tasks=row.overdue_tasks,
            open_reports=row.open_reports,
        )


class ChildRowPage(PageOut):
    items: list[ChildRowOut]


class ChildrenFilter(PageIn):
    state: ChildState = Field("", description="Only children in this state.")
    order: ChildOrder = "child"


# --- Helpers --------------------------------------------------------------------------------


def _episode_detail(actor, episode: Episode) -> EpisodeDetailOut:
    children = list(services.children_of(episode.patient))
    record_many(actor, Action.VIEW, children)
    return EpisodeDetailOut.of(episode, children=[PersonOut.model_validate(c) for c in children])


def _episode_and_child(actor, episode_id: int, child_id: int):
    episode = get_episode(actor, episode_id)
    return episode, get_person(actor, child_id)


def _sheet_out(sheet: ChildSheet) -> SheetOut:
    template = sheet.template
    return SheetOut(
        episode_id=sheet.episode_id,
        child_id=sheet.child_id,
        saved=sheet.pk is not None,
        template_id=template.pk,
        template_version=template.version,
        template_title=template.title,
        template_language=template.language,
        sections=[
            SectionOut(
                key=section.get("key", ""),
                title=section.get("title", ""),
                questions=[
                    QuestionOut(key=q["key"], text=q.get("text", ""), help=q.get("help", ""))
                    for q in section.get("questions", [])
                ],
            )
            for section in template.sections
        ],
        answers=sheet.answers or {},
        concern_level=sheet.concern_level,
        who_informs=sheet.who_informs,
        discharge_summary=sheet.discharge_summary,
        updated_at=sheet.updated_at,
        updated_by_id=sheet.updated_by_id,
    )


# --- Episodes -------------------------------------------------------------------------------


@router.post(
    "/episodes",
    response={201: EpisodeDetailOut, **errors(400)},
    summary="Intake of a new patient or client",
    description="Registers the person (or reuses the person with the same national id) and opens an episode "
    "in intake. The children question must be answered before the episode leaves intake.",
)
def create_episode(request, payload: IntakeIn):
    episode = services.register_patient(request.actor, payload.person.to_data(), payload.episode.to_data())
    return Status(201, _episode_detail(request.actor, episode))


@router.post(
    "/relative-episodes",
    response={201: EpisodeDetailOut, **errors(400)},
    summary="Intake of a relative as a client",
    description="Registers the relative (or reuses the person with the same national id) and opens an episode "
    "of kind `relative` in intake, linked to the person whose problem affects them: one you may see "
    "(`affected_by_id`, else 422) or a new one (`affected_person`). The relation is recorded in the family.",
)
def create_relative_episode(request, payload: RelativeIntakeIn):
    episode = services.register_relative_patient(
        request.actor,
        payload.person.to_data(),
        payload.episode.to_data(),
        affected=payload.affected_person.to_data() if payload.affected_person is not None else None,
        affected_id=payload.affected_by_id,
        relation=payload.relation,
        description=payload.description,
    )
    return Status(201, _episode_detail(request.actor, episode))


@router.get(
    "/episodes",
    response={200: EpisodePage, **errors()},
    summary="List the episodes you may see",
    description="Your caseload, or the whole unit for roles with the children overview; newest first.",
)
def list_episodes(request, filters: Query[EpisodeFilter]):
    actor = request.actor
    episodes = visible_episodes(actor).select_related("patient")
    if filters.status:
        episodes = episodes.filter(status=filters.status)
    count, items = page_of(episodes, filters)
    record_many(actor, Action.VIEW, items)
    return EpisodePage(count=count, limit=filters.limit, offset=filters.offset, items=[EpisodeOut.of(e) for e in items])


@router.get(
    "/episodes/{episode_id}",
    response={200: EpisodeDetailOut, **errors(404)},
    summary="One episode with the patient's children",
)
def read_episode(request, episode_id: PathId):
    return _episode_detail(request.actor, get_episode(request.actor, episode_id))


@router.post(
    "/episodes/{episode_id}/children-answer",
    response={200: EpisodeDetailOut, **errors(400, 404)},
    summary="Record the answers about minor children and minor siblings",
    description="Named children (an existing person or a new one) are recorded as the patient's children. "
    "Every child must be under 18.",
)
def answer_children(request, episode_id: PathId, payload: ChildrenAnswerIn):
    actor = request.actor
    episode = get_episode(actor, episode_id)
    services.record_children_answer(
        actor,
        episode,
        children_answer=payload.children_answer,
        siblings_answer=payload.siblings_answer,
        source=payload.source,
        children=[child.to_input() for child in payload.children],
    )
    return _episode_detail(actor, episode)


@router.post(
    "/episodes/{episode_id}/leave-intake",
    response={200: EpisodeDetailOut, **errors(404)},
    summary="Move the episode from intake to treatment",
    description="Refused (422) until the children question is answered.",
)
def leave_intake(request, episode_id: PathId):
    actor = request.actor
    episode = services.leave_intake(actor, get_episode(actor, episode_id))
    return _episode_detail(actor, episode)


@router.post(
    "/episodes/{episode_id}/discharge",
    response={200: EpisodeDetailOut, **errors(400, 404)},
    summary="Discharge the patient",
    description="Needs a handover summary for each minor child.",
)
def discharge(request, episode_id: PathId, payload: DischargeIn):
    actor = request.actor
    episode = get_episode(actor, episode_id)
    summaries = {item.child_id: item.summary for item in payload.summaries}
    services.discharge(actor, episode, ended_on=payload.ended_on, summaries=summaries)
    return _episode_detail(actor, episode)


# --- Child sheets and information -------------------------------------------------------------


@router.get(
    "/episodes/{episode_id}/children/{child_id}/sheet",
    response={200: SheetOut, **errors(404)},
    summary="The child sheet for one child in the episode",
    description="With the questions of the version it was (or will be) filled in with; `saved` is false "
    "until it is first saved.",
)
def read_sheet(request, episode_id: PathId, child_id: PathId):
    actor = request.actor
    episode, child = _episode_and_child(actor, episode_id, child_id)
    return _sheet_out(services.sheet_for(actor, episode, child))


@router.put(
    "/episodes/{episode_id}/children/{child_id}/sheet",
    response={200: SheetOut, **errors(400, 404)},
    summary="Save the child sheet",
    description="Replaces the answers, the concern level and who informs the child.",
)
def save_sheet(request, episode_id: PathId, child_id: PathId, payload: SheetIn):
    actor = request.actor
    episode, child = _episode_and_child(actor, episode_id, child_id)
    sheet = services.save_child_sheet(
        actor,
        episode,
        child,
        answers=payload.answers,
        concern_level=payload.concern_level,
        who_informs=payload.who_informs,
    )
    return _sheet_out(sheet)


@router.post(
    "/episodes/{episode_id}/children/{child_id}/information",
    response={201: InformationOut, **errors(400, 404)},
    summary="Record that the child was talked with or informed",
    description="When, how and who was present; never the content of the child's talk.",
)
def add_information(request, episode_id: PathId, child_id: PathId, payload: InformationIn):
    actor = request.actor
    episode, child = _episode_and_child(actor, episode_id, child_id)
    item = services.record_information(
        actor, episode, child, given_on=payload.given_on, form=payload.form, present=payload.present
    )
    return Status(201, item)


# --- Tasks ----------------------------------------------------------------------------------


@router.post(
    "/episodes/{episode_id}/tasks",
    response={201: TaskOut, **errors(400, 404)},
    summary="Create a follow-up task",
)
def add_task(request, episode_id: PathId, payload: TaskIn):
    actor = request.actor
    episode = get_episode(actor, episode_id)
    child = get_person(actor, payload.child_id) if payload.child_id is not None else None
    task = services.create_task(
        actor,
        episode,
        title=payload.title,
        assignee_id=payload.assignee_id if payload.assignee_id is not None else actor.user.pk,
        due_on=payload.due_on,
        child=child,
    )
    return Status(201, TaskOut.of(task))


@router.get(
    "/tasks",
    response={200: TaskPage, **errors()},
    summary="Open follow-up tasks",
    description="Your open tasks, soonest first; `all=true` gives the unit's open tasks (for roles with the "
    "children overview).",
)
def list_tasks(request, filters: Query[TaskFilter]):
    actor = request.actor
    if filters.all and not actor.can(Capability.CHILDREN_OVERVIEW):
        raise PermissionError(Capability.CHILDREN_OVERVIEW)
    count, items = page_of(services.task_list(actor, mine=not filters.all), filters)
    record_many(actor, Action.VIEW, items)
    return TaskPage(count=count, limit=filters.limit, offset=filters.offset, items=[TaskOut.of(t) for t in items])


@router.post(
    "/tasks/{task_id}/status",
    response={200: TaskOut, **errors(400, 404)},
    summary="Mark a task done, cancelled or open again",
)
def set_task_status(request, task_id: PathId, payload: TaskStatusIn):
    actor = request.actor
    return TaskOut.of(services.set_task_status(actor, services.get_task(actor, task_id), payload.status))


# --- Concern reports ------------------------------------------------------------------------


@router.post(
    "/episodes/{episode_id}/children/{child_id}/concern-reports",
    response={201: ConcernReportOut, **errors(400, 404)},
    summary="Record a concern report to child welfare",
    description="Lawful without consent; recorded with its legal basis. If the parent was not told, say why.",
)
def add_concern_report(request, episode_id: PathId, child_id: PathId, payload: ConcernReportIn):
    actor = request.actor
    episode, child = _episode_and_child(actor, episode_id, child_id)
    return Status(201, ConcernReportOut.of(services.send_concern_report(actor, episode, child, payload.to_data())))


@router.post(
    "/concern-reports/{report_id}/feedback",
    response={200: ConcernReportOut, **errors(400, 404)},
    summary="Record child welfare's feedback on a concern report",
)
def add_concern_feedback(request, report_id: PathId, payload: FeedbackIn):
    actor = request.actor
    try:
        report = services.visible_concern_reports(actor).get(pk=report_id)
    except ConcernReport.DoesNotExist:
        raise Http404 from None
    report = services.record_concern_feedback(actor, report, feedback_on=payload.feedback_on, status=payload.status)
    return ConcernReportOut.of(report)


# --- The children overview ------------------------------------------------------------------


@router.get(
    "/children",
    response={200: ChildRowPage, **errors()},
    summary="The children of the unit's patients",
    description="One row per minor child and open episode, with the state of the follow-up. For roles with the "
    "children overview; others get 403. Each child on the page is recorded in the audit trail.",
)
def list_children(request, filters: Query[ChildrenFilter]):
    actor = request.actor
    if not actor.can(Capability.CHILDREN_OVERVIEW):
        raise PermissionError(Capability.CHILDREN_OVERVIEW)
    rows = services.children_overview(actor, state=filters.state, order=filters.order)
    count, items = page_of(rows.prefetch_related("episode", "relationship"), filters)
    record_many(actor, Action.VIEW, [row.child for row in items])
    return ChildRowPage(
        count=count, limit=filters.limit, offset=filters.offset, items=[ChildRowOut.of(row) for row in items]
    )
