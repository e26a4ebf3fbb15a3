"""Use cases for forums: meeting series of a network, their meetings, agenda, minutes, attendance and documents.

Who may do what:
- only staff of the network's member organisations see its series and meetings (others get 404), in whatever
  role they act;
- those who work with families or coordinate (every role but the analyst's) write agendas and minutes, record
  attendance and share documents;
- child-responsible staff, coordinators and organisation admins plan series and change the dates.
Agendas, minutes and document titles never hold personal data of clients: the text is refused, nothing is saved,
when it holds a national id or the full name of a person the writer's organisation holds (kindred.forums.privacy).
Every change writes an audit row (without the text).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.accounts.models import User
from kindred.audit.services import Action, record
from kindred.forums import privacy
from kindred.forums.models import Meeting, MeetingAttendance, MeetingSeries, SharedDocument
from kindred.networks.models import Network
from kindred.orgs.actors import Actor
from kindred.orgs.models import Capability, Membership

R = MeetingSeries.Recurrence
TAKE_PART = (
    Capability.VIEW_PERSONAL_DATA,
    Capability.COORDINATE,
    Capability.RUN_PROGRAMMES,
    Capability.MANAGE_ORGANISATION,
)
PLAN = (Capability.CHILDREN_OVERVIEW, Capability.COORDINATE, Capability.MANAGE_ORGANISATION)
MAX_MEETINGS = 52
# Meetings are dated within these years (a typo like 20266 is refused, and date arithmetic never overflows).
FIRST_YEAR, LAST_YEAR = 2000, 2100


def can_take_part(actor: Actor) -> bool:
    return any(actor.can(c) for c in TAKE_PART)


def can_plan(actor: Actor) -> bool:
    return any(actor.can(c) for c in PLAN)


def _require(allowed: bool, capability: str) -> None:
    if not allowed:
        raise PermissionError(capability)


def _check_dates(field: str, dates) -> None:
    if any(not FIRST_YEAR <= day.year <= LAST_YEAR for day in dates if day is not None):
        raise ValidationError(
            {field: _("Give dates between %(first)s and %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR}}
        )


def _id(pk) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError):
        raise Http404 from None


# --- Access --------------------------------------------------------------------------------------------


def networks_of(actor: Actor) -> QuerySet[Network]:
    if actor.membership is None:
        return Network.objects.none()
    return Network.objects.of_organisation(actor.organisation)


def visible_series(actor: Actor) -> QuerySet[MeetingSeries]:
    if actor.membership is None:
        return MeetingSeries.objects.none()
    return MeetingSeries.objects.of_organisation(actor.organisation).select_related("network", "organiser")


def visible_meetings(actor: Actor) -> QuerySet[Meeting]:
    return Meeting.objects.filter(series__in=visible_series(actor).values("pk")).select_related(
        "series__network", "series__organiser", "updated_by"
    )


def get_series(actor: Actor, pk) -> MeetingSeries:
    try:
        return visible_series(actor).get(pk=_id(pk))
    except MeetingSeries.DoesNotExist:
        raise Http404 from None


def get_meeting(actor: Actor, pk) -> Meeting:
    try:
        return visible_meetings(actor).get(pk=_id(pk))
    except Meeting.DoesNotExist:
        raise Http404 from None


def get_document(actor: Actor, pk) -> SharedDocument:
    try:
        return SharedDocument.objects.select_related("meeting").get(
            pk=_id(pk), meeting__in=visible_meetings(actor).values("pk")
        )
    except SharedDocument.DoesNotExist:
        raise Http404 from None


# --- No personal data of clients -----------------------------------------------------------------------


def check_no_client_data(actor: Actor, texts: dict[str, str]) -> None:
    """Refuse texts holding a national id, or the full name of a person the actor's organisation holds."""
    errors: dict[str, list[str]] = {}
    for field, text in texts.items():
        for finding in privacy.findings(text, actor.organisation):
            if finding.kind == "national_id":
                message = _(
                    "“%(text)s” looks like a national id number. Agendas and minutes are shared across "
                    "organisations and must not hold personal data of clients: remove it."
                )
            else:
                message = _(
                    "“%(text)s” is the name of a person registered with your organisation. Agendas and minutes "
                    "are shared across organisations and must not hold personal data of clients: write without "
                    "names."
                )
            errors.setdefault(field, []).append(message % {"text": finding.text})
    if errors:
        raise ValidationError(errors)


# --- Recurrence ----------------------------------------------------------------------------------------


def _same_weekday_of_month(year: int, month: int, weekday: int, week: int) -> date:
    """The `week`-th (0-based) `weekday` of the month; the last one when the month has no such week."""
    first = date(year, month, 1)
    day = 1 + (weekday - first.weekday()) % 7 + 7 * week
    if day > calendar.monthrange(year, month)[1]:
        day -= 7
    return date(year, month, day)


def recurring_dates(recurrence: str, first: date, count: int, custom: list[date] | None = None) -> list[date]:
    """The meeting dates of a series.

    Monthly: the same weekday in the same week of each month as the first meeting (the second Tuesday, say;
    a fifth week becomes the last). Twice a half-year: the same, every third month, so each half-year has two.
    Chosen dates: the dates given, in order, without repeats."""
    if recurrence == R.CUSTOM:
        return sorted(set(custom or []))
    step = 1 if recurrence == R.MONTHLY else 3
    week = (first.day - 1) // 7
    dates = [first]
    for n in range(1, count):
        index = first.month - 1 + n * step
        dates.append(_same_weekday_of_month(first.year + index // 12, index % 12 + 1, first.weekday(), week))
    return dates


# --- Series and meetings -------------------------------------------------------------------------------


@dataclass
class SeriesData:
    network_id: int
    title: str
    recurrence: str
    start_time: time
    first_date: date | None = None
    count: int = 1
    custom_dates: list[date] | None = None
    description: str = ""
    duration_minutes: int = 90
    place: str = ""


@transaction.atomic
def plan_series(actor: Actor, data: SeriesData) -> MeetingSeries:
    """A new series for one of the actor's networks, with its meetings dated by the recurrence."""
    _require(can_plan(actor), Capability.COORDINATE)
    network = networks_of(actor).filter(pk=data.network_id).first()
    errors: dict[str, str] = {}
    if network is None:
        errors["network"] = _("Choose a network your organisation is a member of.")
    if data.recurrence == R.CUSTOM:
        if not data.custom_dates:
            errors["custom_dates"] = _("Give at least one date.")
        elif len(set(data.custom_dates)) > MAX_MEETINGS:
            errors["custom_dates"] = _("A series can have at most %(n)s meetings.") % {"n": MAX_MEETINGS}
    else:
        if data.first_date is None:
            errors["first_date"] = _("Give the date of the first meeting.")
        if not 1 <= data.count <= MAX_MEETINGS:
            errors["count"] = _("Give a number of meetings from 1 to %(n)s.") % {"n": MAX_MEETINGS}
    if errors:
        raise ValidationError(errors)
    _check_dates("first_date", [data.first_date])
    _check_dates("custom_dates", data.custom_dates or [])
    check_no_client_data(actor, {"title": data.title, "description": data.description})
    series = MeetingSeries(
        network=network,
        organiser=actor.organisation,
        title=data.title.strip(),
        description=data.description.strip(),
        recurrence=data.recurrence,
        start_time=data.start_time,
        duration_minutes=data.duration_minutes,
        place=data.place.strip(),
        created_by=actor.user,
    )
    series.full_clean()
    series.save()
    dates = recurring_dates(data.recurrence, data.first_date, data.count, data.custom_dates)
    Meeting.objects.bulk_create(
        Meeting(series=series, date=day, start_time=series.start_time, place=series.place) for day in dates
    )
    record(actor, Action.CREATE, series, details={"network": network.pk, "meetings": len(dates)})
    return series


@transaction.atomic
def add_meeting(actor: Actor, series: MeetingSeries, day: date, start_time: time | None = None) -> Meeting:
    """One more meeting in a series, on a chosen day."""
    _require(can_plan(actor), Capability.COORDINATE)
    series = get_series(actor, series.pk)
    _check_dates("date", [day])
    if series.meetings.count() >= MAX_MEETINGS * 4:
        raise ValidationError({"date": _("The series has too many meetings. Start a new series.")})
    meeting = Meeting.objects.create(
        series=series, date=day, start_time=start_time or series.start_time, place=series.place
    )
    record(actor, Action.CREATE, meeting, details={"date": day.isoformat()})
    return meeting


SCHEDULE_FIELDS = ("date", "start_time", "place", "cancelled")
TEXT_FIELDS = ("agenda", "minutes")


@transaction.atomic
def update_meeting(actor: Actor, meeting: Meeting, data: dict) -> Meeting:
    """Change a meeting's agenda and minutes (those who take part) or its date, time, place and cancellation
    (those who plan). Texts with personal data of clients are refused; nothing changes."""
    meeting = get_meeting(actor, meeting.pk)
    data = {name: value.strip() if isinstance(value, str) else value for name, value in data.items()}
    changed = [
        name for name in (*SCHEDULE_FIELDS, *TEXT_FIELDS) if name in data and data[name] != getattr(meeting, name)
    ]
    if any(name in SCHEDULE_FIELDS for name in changed):
        _require(can_plan(actor), Capability.COORDINATE)
        _check_dates("date", [data.get("date")])
    _require(can_take_part(actor), Capability.VIEW_PERSONAL_DATA)
    check_no_client_data(actor, {name: data[name] for name in TEXT_FIELDS if name in changed})
    for name in changed:
        setattr(meeting, name, data[name])
    if changed:
        meeting.updated_by = actor.user
        meeting.full_clean(exclude=["series", "updated_by"])
        meeting.save()
        record(actor, Action.CHANGE, meeting, details={"changed": changed})
    return meeting


# --- Attendance ----------------------------------------------------------------------------------------


def eligible_attendees(meeting: Meeting) -> list[tuple[User, Membership]]:
    """Active staff of the network's member organisations, once each, by organisation and name."""
    memberships = (
        Membership.objects.filter(
            organisation__network_memberships__network_id=meeting.series.network_id, user__is_active=True
        )
        .select_related("user", "organisation")
        .order_by("organisation__name", "user__full_name", "user__email", "id")
    )
    seen: dict[int, tuple[User, Membership]] = {}
    for membership in memberships:
        seen.setdefault(membership.user_id, (membership.user, membership))
    return list(seen.values())


@transaction.atomic
def record_attendance(actor: Actor, meeting: Meeting, user_ids: list[int]) -> int:
    """Who attended the meeting: replaces the earlier record. Returns how many attended."""
    meeting = get_meeting(actor, meeting.pk)
    _require(can_take_part(actor), Capability.VIEW_PERSONAL_DATA)
    if meeting.cancelled:
        raise ValidationError(_("The meeting is cancelled."))
    if meeting.date > timezone.localdate():
        raise ValidationError(_("Attendance is recorded from the day of the meeting."))
    eligible = {user.pk: membership for user, membership in eligible_attendees(meeting)}
    chosen = set(user_ids)
    if chosen - set(eligible):
        raise ValidationError(_("Only staff of the network's member organisations can be recorded as attending."))
    existing = set(meeting.attendance.values_list("user_id", flat=True))
    meeting.attendance.exclude(user_id__in=chosen).delete()
    MeetingAttendance.objects.bulk_create(
        MeetingAttendance(meeting=meeting, user_id=pk, organisation=eligible[pk].organisation, recorded_by=actor.user)
        for pk in sorted(chosen - existing)
    )
    record(actor, Action.CHANGE, meeting, details={"attendance": sorted(chosen)})
    return len(chosen)


# --- Shared documents ----------------------------------------------------------------------------------


@transaction.atomic
def add_document(actor: Actor, meeting: Meeting, *, title: str, url: str) -> SharedDocument:
    meeting = get_meeting(actor, meeting.pk)
    _require(can_take_part(actor), Capability.VIEW_PERSONAL_DATA)
    check_no_client_data(actor, {"title": title})
    document = SharedDocument(meeting=meeting, title=title.strip(), url=url.strip(), added_by=actor.user)
    document.full_clean()
    document.save()
    record(actor, Action.CREATE, document, details={"meeting": meeting.pk})
    return document


@transaction.atomic
def remove_document(actor: Actor, document: SharedDocument) -> None:
    document = get_document(actor, document.pk)
    _require(can_take_part(actor), Capability.VIEW_PERSONAL_DATA)
    record(actor, Action.DELETE, document, details={"meeting": document.meeting_id, "title": document.title})
    document.delete()


# --- Lists ---------------------------------------------------------------------------------------------


def upcoming_meetings(actor: Actor, *, days: int = 120, limit: int = 20) -> list[Meeting]:
    today = timezone.localdate()
    return list(
        visible_meetings(actor)
        .filter(date__gte=today, date__lte=today + timedelta(days=days), cancelled=False)
        .order_by("date", "start_time", "id")[:limit]
    )
