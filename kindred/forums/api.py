"""Forums in the API: meeting series of a network, meetings with agenda, minutes, attendance and documents.

The same services as the web (kindred.forums.services) hold the rules and write the audit rows: only staff of the
network's member organisations find its series and meetings (404 otherwise), and agendas and minutes holding
personal data of clients are refused (422) with nothing saved."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count
from ninja import Field, Path, Query, Router, Schema, Status

from kindred.api_schemas import MAX_ID, DbId, PageIn, PageOut, UserRef, choice, errors, page_of, text
from kindred.forums import services
from kindred.forums.models import Meeting, MeetingSeries, SharedDocument

router = Router(tags=["forums"])


def _path_id(description: str) -> Any:
    return Path[int, {"ge": 1, "le": MAX_ID, "description": description}]


SeriesId = _path_id("The meeting series' id.")
MeetingId = _path_id("The meeting's id.")
DocumentId = _path_id("The shared document's id.")
RecurrenceChoice = choice(MeetingSeries.Recurrence)


class ForumMeetingOut(Schema):
    id: int
    series_id: int
    date: dt.date
    start_time: dt.time
    place: str
    cancelled: bool
    has_agenda: bool
    has_minutes: bool

    @classmethod
    def of(cls, meeting: Meeting) -> ForumMeetingOut:
        return cls(
            id=meeting.pk,
            series_id=meeting.series_id,
            date=meeting.date,
            start_time=meeting.start_time,
            place=meeting.place,
            cancelled=meeting.cancelled,
            has_agenda=bool(meeting.agenda),
            has_minutes=bool(meeting.minutes),
        )


class ForumSeriesOut(Schema):
    id: int
    network_id: int
    network_name: str
    organiser_id: int
    organiser_name: str
    title: str
    description: str
    recurrence: str = Field(description="`monthly`, `twice_half_year` or `custom`.")
    start_time: dt.time
    duration_minutes: int
    place: str

    @classmethod
    def of(cls, series: MeetingSeries) -> ForumSeriesOut:
        return cls(
            id=series.pk,
            network_id=series.network_id,
            network_name=series.network.name,
            organiser_id=series.organiser_id,
            organiser_name=series.organiser.name,
            title=series.title,
            description=series.description,
            recurrence=series.recurrence,
            start_time=series.start_time,
            duration_minutes=series.duration_minutes,
            place=series.place,
        )


class ForumSeriesDetailOut(ForumSeriesOut):
    meetings: list[ForumMeetingOut]


class ForumSeriesPage(PageOut):
    items: list[ForumSeriesOut]


class ForumSeriesIn(Schema):
    network_id: DbId = Field(description="A network your organisation is a member of.")
    title: text(200)
    description: text(2000) = ""
    recurrence: RecurrenceChoice
    first_date: dt.date | None = Field(None, description="The first meeting (monthly and twice a half-year).")
    count: int = Field(10, ge=1, le=services.MAX_MEETINGS, description="How many meetings to date.")
    custom_dates: list[dt.date] = Field([], max_length=services.MAX_MEETINGS, description="The chosen dates.")
    start_time: dt.time
    duration_minutes: int = Field(90, ge=10, le=600)
    place: text(300) = ""


class ForumAttendeeOut(Schema):
    user: UserRef
    organisation_id: int
    organisation_name: str


class ForumDocumentOut(Schema):
    id: int
    title: str
    url: str
    added_at: dt.datetime

    @classmethod
    def of(cls, document: SharedDocument) -> ForumDocumentOut:
        return cls(id=document.pk, title=document.title, url=document.url, added_at=document.added_at)


class ForumMeetingDetailOut(ForumMeetingOut):
    series_title: str
    network_name: str
    agenda: str
    minutes: str
    attendance: list[ForumAttendeeOut]
    documents: list[ForumDocumentOut]


class ForumMeetingPatch(Schema):
    agenda: text(10000) | None = None
    minutes: text(50000) | None = None
    date: dt.date | None = Field(None, description="A new date (those who plan the series).")
    start_time: dt.time | None = None
    place: text(300) | None = None
    cancelled: bool | None = None


class ForumAttendanceIn(Schema):
    user_ids: list[DbId] = Field(max_length=2000, description="Everyone who attended; replaces the earlier record.")


class ForumDocumentIn(Schema):
    title: text(200)
    url: text(500) = Field(description="An https:// link.")


def _meeting_detail(meeting: Meeting) -> ForumMeetingDetailOut:
    base = ForumMeetingOut.of(meeting).dict()
    return ForumMeetingDetailOut(
        **base,
        series_title=meeting.series.title,
        network_name=meeting.series.network.name,
        agenda=meeting.agenda,
        minutes=meeting.minutes,
        attendance=[
            ForumAttendeeOut(
                user=UserRef.of(a.user), organisation_id=a.organisation_id, organisation_name=a.organisation.name
            )
            for a in meeting.attendance.select_related("user", "organisation")
        ],
        documents=[ForumDocumentOut.of(d) for d in meeting.documents.all()],
    )


@router.get(
    "/forums/series",
    response={200: ForumSeriesPage, **errors()},
    summary="Meeting series of your organisation's networks",
)
def list_series(request, filters: Query[PageIn]):
    series = services.visible_series(request.actor).annotate(meeting_count=Count("meetings"))
    count, items = page_of(series, filters)
    return ForumSeriesPage(
        count=count, limit=filters.limit, offset=filters.offset, items=[ForumSeriesOut.of(s) for s in items]
    )


@router.post(
    "/forums/series",
    response={201: ForumSeriesDetailOut, **errors(400)},
    summary="Plan a meeting series",
    description="For child-responsible staff, coordinators and organisation admins of a member organisation. The "
    "meetings are dated by the recurrence: monthly (the same weekday in the same week of each month), twice a "
    "half-year (every third month) or the chosen dates.",
)
def plan_series(request, payload: ForumSeriesIn):
    series = services.plan_series(
        request.actor,
        services.SeriesData(
            network_id=payload.network_id,
            title=payload.title,
            description=payload.description,
            recurrence=payload.recurrence,
            first_date=payload.first_date,
            count=payload.count,
            custom_dates=payload.custom_dates,
            start_time=payload.start_time,
            duration_minutes=payload.duration_minutes,
            place=payload.place,
        ),
    )
    return Status(201, _series_detail(series))


def _series_detail(series: MeetingSeries) -> ForumSeriesDetailOut:
    return ForumSeriesDetailOut(
        **ForumSeriesOut.of(series).dict(),
        meetings=[ForumMeetingOut.of(m) for m in series.meetings.order_by("date", "id")],
    )


@router.get(
    "/forums/series/{series_id}", response={200: ForumSeriesDetailOut, **errors(404)}, summary="A meeting series"
)
def read_series(request, series_id: SeriesId):
    return _series_detail(services.get_series(request.actor, series_id))


@router.get(
    "/forums/meetings/{meeting_id}",
    response={200: ForumMeetingDetailOut, **errors(404)},
    summary="A meeting with its agenda, minutes, attendance and documents",
)
def read_meeting(request, meeting_id: MeetingId):
    return _meeting_detail(services.get_meeting(request.actor, meeting_id))


@router.patch(
    "/forums/meetings/{meeting_id}",
    response={200: ForumMeetingDetailOut, **errors(400, 404)},
    summary="Change a meeting's agenda, minutes or schedule",
    description="Agenda and minutes: every role but the analyst's. Date, time, place and cancellation: those who "
    "plan. A text holding a national id or the name of a person your organisation holds is refused (422).",
)
def change_meeting(request, meeting_id: MeetingId, payload: ForumMeetingPatch):
    meeting = services.get_meeting(request.actor, meeting_id)
    changes = {name: value for name, value in payload.dict(exclude_unset=True).items() if value is not None}
    meeting = services.update_meeting(request.actor, meeting, changes)
    return _meeting_detail(meeting)


@router.put(
    "/forums/meetings/{meeting_id}/attendance",
    response={200: ForumMeetingDetailOut, **errors(400, 404)},
    summary="Record who attended a meeting",
)
def put_attendance(request, meeting_id: MeetingId, payload: ForumAttendanceIn):
    meeting = services.get_meeting(request.actor, meeting_id)
    services.record_attendance(request.actor, meeting, list(payload.user_ids))
    return _meeting_detail(meeting)


@router.post(
    "/forums/meetings/{meeting_id}/documents",
    response={201: ForumDocumentOut, **errors(400, 404)},
    summary="Share a document (a titled link) with a meeting",
)
def add_document(request, meeting_id: MeetingId, payload: ForumDocumentIn):
    meeting = services.get_meeting(request.actor, meeting_id)
    document = services.add_document(request.actor, meeting, title=payload.title, url=payload.url)
    return Status(201, ForumDocumentOut.of(document))


@router.delete(
    "/forums/documents/{document_id}", response={204: None, **errors(404)}, summary="Remove a shared document"
)
def remove_document(request, document_id: DocumentId):
    services.remove_document(request.actor, services.get_document(request.actor, document_id))
    return Status(204, None)
