"""Use cases for staff competence: the course catalogue, enrolment, completion and the training overview.

Who may do what:
- every member sees the catalogue (courses open to all, and the own organisation's) and enrols themselves;
- organisation admins (MANAGE_ORGANISATION) keep the courses their organisation provides, and record completion
  for anyone enrolled in them;
- leaders who manage the members (MANAGE_MEMBERS) enrol their organisation's staff, record their completion and
  see the overview of who among the child-responsible staff has the training, who lacks it and who is due.
Courses and enrolments outside these are not found (404). Every change writes an audit row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.accounts.models import User
from kindred.audit.services import Action, record
from kindred.competence.models import Course, Enrolment
from kindred.orgs.actors import Actor
from kindred.orgs.models import Capability, Role

# A completed training is "due" from this many days before it expires.
DUE_SOON_DAYS = 90
COURSE_FIELDS = (
    "kind",
    "title",
    "description",
    "discussion_tasks",
    "starts_on",
    "ends_on",
    "place",
    "web",
    "child_responsible_training",
    "valid_months",
    "open_to_all",
    "active",
)


def _require(actor: Actor, capability: str) -> None:
    if not actor.can(capability):
        raise PermissionError(capability)


def _id(pk) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError):
        raise Http404 from None


# --- The catalogue -----------------------------------------------------------------------------------


def catalogue(actor: Actor) -> QuerySet[Course]:
    return Course.objects.in_catalogue_of(actor.organisation).select_related("provider")


def get_course(actor: Actor, pk) -> Course:
    try:
        return catalogue(actor).get(pk=_id(pk))
    except Course.DoesNotExist:
        raise Http404 from None


def can_keep_courses(actor: Actor) -> bool:
    return actor.can(Capability.MANAGE_ORGANISATION)


def _clean_course(course: Course) -> None:
    errors: dict[str, str] = {}
    if course.starts_on and course.ends_on and course.ends_on < course.starts_on:
        errors["ends_on"] = _("The last day cannot be before the first day.")
    if course.kind != Course.Kind.E_LEARNING and course.starts_on is None:
        errors["starts_on"] = _("A course or seminar needs a first day.")
    if errors:
        raise ValidationError(errors)
    course.full_clean(exclude=["provider", "key"])


@transaction.atomic
def save_course(actor: Actor, course: Course | None, data: dict) -> Course:
    """Create or change a course the actor's organisation provides."""
    _require(actor, Capability.MANAGE_ORGANISATION)
    if course is None:
        course = Course(provider=actor.organisation)
    elif course.provider_id != actor.organisation.pk:
        raise Http404
    for name in COURSE_FIELDS:
        if name in data:
            setattr(course, name, data[name])
    _clean_course(course)
    created = course.pk is None
    course.save()
    record(actor, Action.CREATE if created else Action.CHANGE, course, details={"title": course.title})
    return course


# --- Enrolment and completion ------------------------------------------------------------------------


def staff_of(actor: Actor) -> QuerySet[User]:
    """The active users with a role in the actor's organisation."""
    return (
        User.objects.filter(memberships__organisation=actor.organisation, is_active=True)
        .distinct()
        .order_by("full_name", "email")
    )


@transaction.atomic
def enrol(actor: Actor, course: Course, user: User | None = None) -> Enrolment:
    """Enrol the actor, or (for a leader) a member of the actor's organisation, in a course of the catalogue."""
    if actor.membership is None:
        raise PermissionError(Capability.MANAGE_MEMBERS)
    course = get_course(actor, course.pk)
    if user is None or user.pk == actor.user.pk:
        user = actor.user
    else:
        _require(actor, Capability.MANAGE_MEMBERS)
        if not staff_of(actor).filter(pk=user.pk).exists():
            raise ValidationError({"user": _("Choose a member of your organisation.")})
    if not course.active:
        raise ValidationError(_("The course is closed for enrolment."))
    enrolment = Enrolment.objects.select_for_update().filter(course=course, user=user).first()
    if enrolment is not None and enrolment.status != Enrolment.Status.WITHDRAWN:
        raise ValidationError(
            _("%(name)s is already enrolled in this course.") % {"name": user.full_name or user.email}
        )
    if enrolment is None:
        enrolment = Enrolment(course=course, user=user)
    enrolment.organisation = actor.organisation
    enrolment.status = Enrolment.Status.ENROLLED
    enrolment.enrolled_by = actor.user
    enrolment.save()
    record(actor, Action.CREATE, enrolment, details={"course": course.pk, "user": user.pk})
    return enrolment


def enrolments_for(actor: Actor) -> QuerySet[Enrolment]:
    """Enrolments the actor may see: their own, their organisation's (leaders) and those in the courses their
    organisation provides (its admins)."""
    if actor.membership is None:
        return Enrolment.objects.none()
    visible = Q(user=actor.user)
    if actor.can(Capability.MANAGE_MEMBERS):
        visible |= Q(organisation=actor.organisation)
    if actor.can(Capability.MANAGE_ORGANISATION):
        visible |= Q(course__provider=actor.organisation)
    return Enrolment.objects.filter(visible).select_related("course", "user", "organisation", "completion_recorded_by")


def can_record_completion(actor: Actor, enrolment: Enrolment) -> bool:
    return (actor.can(Capability.MANAGE_MEMBERS) and enrolment.organisation_id == actor.organisation.pk) or (
        actor.can(Capability.MANAGE_ORGANISATION) and enrolment.course.provider_id == actor.organisation.pk
    )


def get_enrolment(actor: Actor, pk) -> Enrolment:
    try:
        return enrolments_for(actor).get(pk=_id(pk))
    except Enrolment.DoesNotExist:
        raise Http404 from None


@transaction.atomic
def record_completion(actor: Actor, enrolment: Enrolment, completed_on: date | None) -> Enrolment:
    """Record that the staff member completed the course on a day: by their leader or the course's provider."""
    if not can_record_completion(actor, enrolment):
        raise PermissionError(Capability.MANAGE_MEMBERS)
    if completed_on is None:
        raise ValidationError({"completed_on": _("Give the day the course was completed.")})
    if completed_on.year < 1990:
        raise ValidationError({"completed_on": _("Give the day the course was completed.")})
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": _("The day of completion cannot be in the future.")})
    if enrolment.course.starts_on and completed_on < enrolment.course.starts_on:
        raise ValidationError({"completed_on": _("The course was completed before it started.")})
    if enrolment.status == Enrolment.Status.WITHDRAWN:
        raise ValidationError(_("The staff member has withdrawn from the course."))
    old = enrolment.completed_on.isoformat() if enrolment.completed_on else None
    enrolment.status = Enrolment.Status.COMPLETED
    enrolment.completed_on = completed_on
    enrolment.completion_recorded_by = actor.user
    enrolment.completion_recorded_at = timezone.now()
    enrolment.save()
    record(actor, Action.CHANGE, enrolment, details={"completed_on": [old, completed_on.isoformat()]})
    return enrolment


@transaction.atomic
def withdraw(actor: Actor, enrolment: Enrolment) -> Enrolment:
    """The staff member, or their leader, takes them off a course they have not completed."""
    own = enrolment.user_id == actor.user.pk
    if not own and not (actor.can(Capability.MANAGE_MEMBERS) and enrolment.organisation_id == actor.organisation.pk):
        raise PermissionError(Capability.MANAGE_MEMBERS)
    if enrolment.status != Enrolment.Status.ENROLLED:
        raise ValidationError(_("Only an enrolment that is not completed can be withdrawn."))
    enrolment.status = Enrolment.Status.WITHDRAWN
    enrolment.save(update_fields=["status"])
    record(actor, Action.CHANGE, enrolment, details={"status": Enrolment.Status.WITHDRAWN})
    return enrolment


# --- The overview of the child-responsible training --------------------------------------------------


class TrainingState:
    VALID = "valid"
    DUE = "due"
    EXPIRED = "expired"
    MISSING = "missing"


@dataclass
class TrainingRow:
    user: User
    state: str
    completion: Enrolment | None = None
    due_on: date | None = None
    enrolled_in: Course | None = None

    @property
    def is_gap(self) -> bool:
        return self.state != TrainingState.VALID


def _state(due_on: date | None, today: date) -> str:
    if due_on is None:
        return TrainingState.VALID
    if due_on <= today:
        return TrainingState.EXPIRED
    if due_on <= today + timedelta(days=DUE_SOON_DAYS):
        return TrainingState.DUE
    return TrainingState.VALID


def child_responsible_training(actor: Actor, today: date | None = None) -> list[TrainingRow]:
    """Each child-responsible member of the actor's organisation with their training state, gaps first.

    A completion counts whichever organisation the person took it for; the latest-lasting one decides."""
    _require(actor, Capability.MANAGE_MEMBERS)
    today = today or timezone.localdate()
    users = list(
        User.objects.filter(
            memberships__organisation=actor.organisation,
            memberships__role=Role.CHILD_RESPONSIBLE,
            is_active=True,
        )
        .distinct()
        .order_by("full_name", "email")
    )
    enrolments = Enrolment.objects.filter(
        user__in=users,
        course__child_responsible_training=True,
        status__in=[Enrolment.Status.COMPLETED, Enrolment.Status.ENROLLED],
    ).select_related("course")
    best: dict[int, tuple[Enrolment, date | None]] = {}
    pending: dict[int, Course] = {}
    for enrolment in enrolments:
        if enrolment.status == Enrolment.Status.ENROLLED:
            pending.setdefault(enrolment.user_id, enrolment.course)
            continue
        due_on = enrolment.due_on(enrolment.course.valid_months)
        current = best.get(enrolment.user_id)
        if current is None or (current[1] is not None and (due_on is None or due_on > current[1])):
            best[enrolment.user_id] = (enrolment, due_on)
    rows = []
    for user in users:
        if user.pk in best:
            completion, due_on = best[user.pk]
            row = TrainingRow(user, _state(due_on, today), completion, due_on)
        else:
            row = TrainingRow(user, TrainingState.MISSING)
        if row.is_gap:
            row.enrolled_in = pending.get(user.pk)
        rows.append(row)
    order = {TrainingState.MISSING: 0, TrainingState.EXPIRED: 1, TrainingState.DUE: 2, TrainingState.VALID: 3}
    return sorted(rows, key=lambda row: order[row.state])
