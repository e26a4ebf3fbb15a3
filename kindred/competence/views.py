"""Competence pages under /competence/: the course catalogue, a course with its enrolments, and the overview of
the child-responsible staff's training.

Courses and enrolments are fetched through services.get_course/get_enrolment (404 outside the actor's reach);
a service's PermissionError is answered with 403 and its ValidationError is shown on the form, changing nothing.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kindred.competence import services
from kindred.competence.forms import CompletionForm, CourseForm, EnrolStaffForm
from kindred.competence.models import Enrolment
from kindred.forms import apply_errors
from kindred.orgs.models import Capability


def _member(view):
    """A signed-in user acting in an organisation; a service's PermissionError is answered with 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.actor.membership is None:
            raise PermissionDenied
        try:
            return view(request, *args, **kwargs)
        except PermissionError:
            raise PermissionDenied from None

    return wrapped


@_member
def catalogue(request):
    actor = request.actor
    courses = list(services.catalogue(actor))
    mine = {
        e.course_id: e
        for e in Enrolment.objects.filter(user=actor.user, course__in=courses).exclude(
            status=Enrolment.Status.WITHDRAWN
        )
    }
    rows = [{"course": course, "enrolment": mine.get(course.pk)} for course in courses]
    context = {
        "rows": rows,
        "can_keep": services.can_keep_courses(actor),
        "is_leader": actor.can(Capability.MANAGE_MEMBERS),
    }
    return render(request, "competence/catalogue.html", context)


def _course_page(request, course, *, enrol_form=None, completion_forms=None):
    actor = request.actor
    enrolments = list(services.enrolments_for(actor).filter(course=course).order_by("status", "user__full_name", "id"))
    own = next((e for e in enrolments if e.user_id == actor.user.pk), None)
    is_leader = actor.can(Capability.MANAGE_MEMBERS)
    completion_forms = completion_forms or {}
    rows = [
        {
            "enrolment": e,
            "can_complete": services.can_record_completion(actor, e) and e.status != Enrolment.Status.WITHDRAWN,
            "form": completion_forms.get(
                e.pk, CompletionForm(prefix=f"c{e.pk}", initial={"completed_on": e.completed_on})
            ),
        }
        for e in enrolments
    ]
    context = {
        "course": course,
        "own": own if own and own.status != Enrolment.Status.WITHDRAWN else None,
        "rows": rows,
        "is_leader": is_leader,
        "can_edit": services.can_keep_courses(actor) and course.provider_id == actor.organisation.pk,
        "enrol_form": enrol_form or (EnrolStaffForm(staff=services.staff_of(actor)) if is_leader else None),
        "today": timezone.localdate(),
    }
    return render(request, "competence/course.html", context)


@_member
def course_detail(request, pk: int):
    return _course_page(request, services.get_course(request.actor, pk))


@require_POST
@_member
def course_enrol(request, pk: int):
    """Enrol oneself (no user in the form) or, for a leader, a member of the organisation."""
    actor = request.actor
    course = services.get_course(actor, pk)
    form = None
    user = None
    if "user" in request.POST:
        if not actor.can(Capability.MANAGE_MEMBERS):
            raise PermissionDenied
        form = EnrolStaffForm(request.POST, staff=services.staff_of(actor))
        if not form.is_valid():
            return _course_page(request, course, enrol_form=form)
        user = form.chosen()
    try:
        enrolment = services.enrol(actor, course, user)
    except ValidationError as error:
        if form is None:
            for message in error.messages:
                messages.error(request, message)
            return redirect("competence:course", pk=course.pk)
        apply_errors(form, error)
        return _course_page(request, course, enrol_form=form)
    name = enrolment.user.full_name or enrolment.user.email
    messages.success(request, _("%(name)s is enrolled in %(course)s.") % {"name": name, "course": course.title})
    return redirect("competence:course", pk=course.pk)


@require_POST
@_member
def enrolment_complete(request, pk: int):
    actor = request.actor
    enrolment = services.get_enrolment(actor, pk)
    course = services.get_course(actor, enrolment.course_id)
    form = CompletionForm(request.POST, prefix=f"c{enrolment.pk}")
    if form.is_valid():
        try:
            services.record_completion(actor, enrolment, form.cleaned_data["completed_on"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            name = enrolment.user.full_name or enrolment.user.email
            messages.success(request, _("The completion for %(name)s is recorded.") % {"name": name})
            return redirect("competence:course", pk=course.pk)
    elif not services.can_record_completion(actor, enrolment):
        raise PermissionDenied
    return _course_page(request, course, completion_forms={enrolment.pk: form})


@require_POST
@_member
def enrolment_withdraw(request, pk: int):
    actor = request.actor
    enrolment = services.get_enrolment(actor, pk)
    try:
        services.withdraw(actor, enrolment)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The enrolment is withdrawn."))
    return redirect("competence:course", pk=enrolment.course_id)


@_member
def course_new(request):
    return _course_form(request, None)


@_member
def course_edit(request, pk: int):
    actor = request.actor
    course = services.get_course(actor, pk)
    if course.provider_id != actor.organisation.pk:
        raise PermissionDenied
    return _course_form(request, course)


def _course_form(request, course):
    actor = request.actor
    if not services.can_keep_courses(actor):
        raise PermissionDenied
    initial = CourseForm.initial_for(course) if course else None
    form = CourseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            course = services.save_course(actor, course, form.to_data())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The course %(title)s is saved.") % {"title": course.title})
            return redirect("competence:course", pk=course.pk)
    return render(request, "competence/course_form.html", {"form": form, "course": course})


@_member
def overview(request):
    """Who among the child-responsible staff has the training, who lacks it and who is due."""
    actor = request.actor
    rows = services.child_responsible_training(actor)
    context = {
        "rows": rows,
        "gaps": sum(1 for row in rows if row.is_gap),
        "due_soon_days": services.DUE_SOON_DAYS,
        "courses": [c for c in services.catalogue(actor) if c.child_responsible_training and c.active],
    }
    return render(request, "competence/overview.html", context)
