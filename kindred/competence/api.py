"""Staff competence in the API: the course catalogue, enrolment, completion and the overview of the
child-responsible staff's training. The same services as the web hold the rules and write the audit rows."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from kindred.accounts.models import User
from kindred.api_schemas import MAX_ID, DbId, PageIn, PageOut, UserRef, choice, errors, page_of, text
from kindred.competence import services
from kindred.competence.models import Course, Enrolment

router = Router(tags=["competence"])

CourseId = Path[int, {"ge": 1, "le": MAX_ID, "description": "The course's id."}]
EnrolmentId = Path[int, {"ge": 1, "le": MAX_ID, "description": "The enrolment's id."}]
KindChoice = choice(Course.Kind)


class CourseOut(Schema):
    id: int
    provider_id: int
    provider_name: str
    kind: str = Field(description="`course`, `seminar` or `e_learning`.")
    title: str
    description: str
    discussion_tasks: list[str]
    starts_on: dt.date | None
    ends_on: dt.date | None
    place: str
    web: str
    child_responsible_training: bool = Field(description="Counts as the training for child-responsible staff.")
    valid_months: int | None = Field(description="Months before the training is due again; null: never.")
    open_to_all: bool
    active: bool

    @classmethod
    def of(cls, course: Course) -> CourseOut:
        return cls(
            id=course.pk,
            provider_id=course.provider_id,
            provider_name=course.provider.name,
            kind=course.kind,
            title=course.title,
            description=course.description,
            discussion_tasks=course.discussion_task_list(),
            starts_on=course.starts_on,
            ends_on=course.ends_on,
            place=course.place,
            web=course.web,
            child_responsible_training=course.child_responsible_training,
            valid_months=course.valid_months,
            open_to_all=course.open_to_all,
            active=course.active,
        )


class CoursePage(PageOut):
    items: list[CourseOut]


class CourseIn(Schema):
    kind: KindChoice
    title: text(200)
    description: text(5000) = ""
    discussion_tasks: text(5000) = Field("", description="One task per line.")
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    place: text(200) = ""
    web: text(200) = ""
    child_responsible_training: bool = False
    valid_months: int | None = Field(None, ge=1, le=240)
    open_to_all: bool = True
    active: bool = True


class CourseEnrolmentOut(Schema):
    id: int
    course_id: int
    user: UserRef
    organisation_id: int
    status: str = Field(description="`enrolled`, `completed` or `withdrawn`.")
    completed_on: dt.date | None
    completion_recorded_by: UserRef | None

    @classmethod
    def of(cls, enrolment: Enrolment) -> CourseEnrolmentOut:
        return cls(
            id=enrolment.pk,
            course_id=enrolment.course_id,
            user=UserRef.of(enrolment.user),
            organisation_id=enrolment.organisation_id,
            status=enrolment.status,
            completed_on=enrolment.completed_on,
            completion_recorded_by=UserRef.of(enrolment.completion_recorded_by),
        )


class CourseEnrolIn(Schema):
    user_id: DbId | None = Field(None, description="A member of your organisation (leaders); empty: yourself.")


class CourseCompletionIn(Schema):
    completed_on: dt.date


class TrainingRowOut(Schema):
    user: UserRef
    state: str = Field(description="`valid`, `due` (within 90 days), `expired` or `missing`.")
    completed_on: dt.date | None
    course_id: int | None
    due_on: dt.date | None
    enrolled_in_course_id: int | None


@router.get("/competence/courses", response={200: CoursePage, **errors()}, summary="The course catalogue")
def list_courses(request, filters: Query[PageIn]):
    count, items = page_of(services.catalogue(request.actor), filters)
    return CoursePage(count=count, limit=filters.limit, offset=filters.offset, items=[CourseOut.of(c) for c in items])


@router.post(
    "/competence/courses",
    response={201: CourseOut, **errors(400)},
    summary="Add a course your organisation provides",
    description="For organisation admins.",
)
def create_course(request, payload: CourseIn):
    return Status(201, CourseOut.of(services.save_course(request.actor, None, payload.dict())))


@router.get("/competence/courses/{course_id}", response={200: CourseOut, **errors(404)}, summary="A course")
def read_course(request, course_id: CourseId):
    return CourseOut.of(services.get_course(request.actor, course_id))


@router.post(
    "/competence/courses/{course_id}/enrolments",
    response={201: CourseEnrolmentOut, **errors(400, 404)},
    summary="Enrol yourself or a staff member",
    description="Anyone enrols themselves; leaders (who manage the members) enrol members of their organisation.",
)
def enrol(request, course_id: CourseId, payload: CourseEnrolIn):
    actor = request.actor
    course = services.get_course(actor, course_id)
    user = None
    if payload.user_id is not None:
        user = User.objects.filter(pk=payload.user_id).first()
        if user is None:
            raise ValidationError({"user_id": _("Choose a member of your organisation.")})
    return Status(201, CourseEnrolmentOut.of(services.enrol(actor, course, user)))


@router.post(
    "/competence/enrolments/{enrolment_id}/completion",
    response={200: CourseEnrolmentOut, **errors(400, 404)},
    summary="Record that a staff member completed a course",
    description="For the staff member's leader, or an admin of the organisation that provides the course.",
)
def complete(request, enrolment_id: EnrolmentId, payload: CourseCompletionIn):
    actor = request.actor
    enrolment = services.get_enrolment(actor, enrolment_id)
    return CourseEnrolmentOut.of(services.record_completion(actor, enrolment, payload.completed_on))


@router.get(
    "/competence/child-responsible-training",
    response={200: list[TrainingRowOut], **errors()},
    summary="Who among your child-responsible staff has the training",
    description="For leaders (who manage the members): every child-responsible member, gaps first.",
)
def training_overview(request):
    return [
        TrainingRowOut(
            user=UserRef.of(row.user),
            state=row.state,
            completed_on=row.completion.completed_on if row.completion else None,
            course_id=row.completion.course_id if row.completion else None,
            due_on=row.due_on,
            enrolled_in_course_id=row.enrolled_in.pk if row.enrolled_in else None,
        )
        for row in services.child_responsible_training(request.actor)
    ]
