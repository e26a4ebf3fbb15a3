"""Forum pages under /forums/: my forums, a series, a meeting with its agenda, minutes, attendance and documents,
the forms that change them, and printable minutes.

Series, meetings and documents are always fetched through services.get_series/get_meeting/get_document: staff of
organisations outside the network get 404. A service's PermissionError is answered with 403, its ValidationError
is shown on the form and nothing changes.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kindred.forms import apply_errors
from kindred.forums import services
from kindred.forums.forms import AddMeetingForm, DocumentForm, MeetingForm, ScheduleForm, SeriesForm


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
def forum_list(request):
    actor = request.actor
    series = list(services.visible_series(actor).annotate(meeting_count=Count("meetings")))
    context = {
        "series": series,
        "upcoming": services.upcoming_meetings(actor),
        "can_plan": services.can_plan(actor) and services.networks_of(actor).exists(),
    }
    return render(request, "forums/list.html", context)


@_member
def series_new(request):
    actor = request.actor
    if not services.can_plan(actor):
        raise PermissionDenied
    networks = list(services.networks_of(actor))
    form = SeriesForm(
        request.POST or None,
        networks=networks,
        initial={"recurrence": "monthly", "start_time": "13:00", "count": 10, "duration_minutes": 90},
    )
    if request.method == "POST" and form.is_valid():
        try:
            series = services.plan_series(actor, form.to_data())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The meeting series is planned. Check the dates below."))
            return redirect("forums:series", pk=series.pk)
    return render(request, "forums/series_form.html", {"form": form, "networks": networks})


def _series_page(request, series, add_form=None):
    actor = request.actor
    meetings = list(series.meetings.annotate(present=Count("attendance")).order_by("date", "start_time", "id"))
    context = {
        "series": series,
        "meetings": meetings,
        "can_plan": services.can_plan(actor),
        "add_form": add_form or AddMeetingForm(),
        "today": timezone.localdate(),
    }
    return render(request, "forums/series.html", context)


@_member
def series_detail(request, pk: int):
    return _series_page(request, services.get_series(request.actor, pk))


@require_POST
@_member
def meeting_add(request, pk: int):
    actor = request.actor
    series = services.get_series(actor, pk)
    if not services.can_plan(actor):
        raise PermissionDenied
    form = AddMeetingForm(request.POST)
    if form.is_valid():
        try:
            meeting = services.add_meeting(actor, series, form.cleaned_data["date"], form.cleaned_data["start_time"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The meeting is added."))
            return redirect("forums:meeting", pk=meeting.pk)
    return _series_page(request, series, add_form=form)


def _meeting_page(request, meeting, document_form=None):
    actor = request.actor
    attendance = list(meeting.attendance.select_related("user", "organisation"))
    context = {
        "meeting": meeting,
        "series": meeting.series,
        "attendance": attendance,
        "documents": list(meeting.documents.select_related("added_by")),
        "can_take_part": services.can_take_part(actor),
        "document_form": document_form or DocumentForm(),
        "held": meeting.date <= timezone.localdate() and not meeting.cancelled,
    }
    return render(request, "forums/meeting.html", context)


@_member
def meeting_detail(request, pk: int):
    return _meeting_page(request, services.get_meeting(request.actor, pk))


@_member
def meeting_edit(request, pk: int):
    """The agenda and the minutes; for those who plan, also the date, time, place and cancellation."""
    actor = request.actor
    meeting = services.get_meeting(actor, pk)
    if not services.can_take_part(actor):
        raise PermissionDenied
    plans = services.can_plan(actor)
    data = request.POST or None
    form = MeetingForm(data, initial={"agenda": meeting.agenda, "minutes": meeting.minutes})
    schedule = None
    if plans:
        schedule = ScheduleForm(
            data,
            prefix="schedule",
            initial={n: getattr(meeting, n) for n in services.SCHEDULE_FIELDS},
        )
    if request.method == "POST" and form.is_valid() and (schedule is None or schedule.is_valid()):
        changes = dict(form.cleaned_data)
        if schedule is not None:
            changes.update(schedule.cleaned_data)
        try:
            services.update_meeting(actor, meeting, changes)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The meeting is saved."))
            return redirect("forums:meeting", pk=meeting.pk)
    context = {"meeting": meeting, "series": meeting.series, "form": form, "schedule": schedule}
    return render(request, "forums/meeting_form.html", context)


@_member
def meeting_attendance(request, pk: int):
    actor = request.actor
    meeting = services.get_meeting(actor, pk)
    if not services.can_take_part(actor):
        raise PermissionDenied
    errors: list[str] = []
    present = set(meeting.attendance.values_list("user_id", flat=True))
    if request.method == "POST":
        try:
            chosen = {int(value) for value in request.POST.getlist("present")}
        except ValueError:
            errors.append(_("Choose who attended from the list."))
        else:
            try:
                count = services.record_attendance(actor, meeting, sorted(chosen))
            except ValidationError as error:
                errors.extend(error.messages)
                present = chosen
            else:
                messages.success(request, _("Attendance is saved: %(n)s attended.") % {"n": count})
                return redirect("forums:meeting", pk=meeting.pk)
    groups: dict[str, list] = {}
    for user, membership in services.eligible_attendees(meeting):
        groups.setdefault(membership.organisation.name, []).append({"user": user, "present": user.pk in present})
    context = {
        "meeting": meeting,
        "series": meeting.series,
        "groups": groups,
        "errors": errors,
        "future": meeting.date > timezone.localdate(),
    }
    return render(request, "forums/attendance.html", context)


@require_POST
@_member
def document_add(request, pk: int):
    actor = request.actor
    meeting = services.get_meeting(actor, pk)
    if not services.can_take_part(actor):
        raise PermissionDenied
    form = DocumentForm(request.POST)
    if form.is_valid():
        try:
            services.add_document(actor, meeting, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The document is shared."))
            return redirect("forums:meeting", pk=meeting.pk)
    return _meeting_page(request, meeting, document_form=form)


@require_POST
@_member
def document_remove(request, pk: int):
    actor = request.actor
    document = services.get_document(actor, pk)
    services.remove_document(actor, document)
    messages.success(request, _("The document is removed."))
    return redirect("forums:meeting", pk=document.meeting_id)


@_member
def meeting_print(request, pk: int):
    meeting = services.get_meeting(request.actor, pk)
    context = {
        "meeting": meeting,
        "series": meeting.series,
        "attendance": list(meeting.attendance.select_related("user", "organisation")),
        "documents": list(meeting.documents.all()),
        "today": timezone.localdate(),
    }
    return render(request, "forums/print.html", context)
