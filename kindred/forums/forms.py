"""Forms of the forum pages. They check shape (dates, times, links); the rules live in services."""

from __future__ import annotations

from datetime import date, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kindred.forms import StyledForm
from kindred.forums import services
from kindred.forums.models import MeetingSeries

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def parse_dates(text: str) -> list[date]:
    """One date per line (or separated by commas), as 2026-03-10 or 10.03.2026."""
    dates = []
    for part in text.replace(",", "\n").splitlines():
        part = part.strip()
        if not part:
            continue
        for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
            try:
                dates.append(datetime.strptime(part, pattern).date())
                break
            except ValueError:
                continue
        else:
            raise ValidationError(_("“%(text)s” is not a date. Write dates like 10.03.2026."), params={"text": part})
    return dates


class SeriesForm(StyledForm, forms.Form):
    network = forms.TypedChoiceField(
        label=_("Network"), coerce=int, error_messages={"required": _("Choose a network.")}
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Purpose"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    recurrence = forms.ChoiceField(
        label=_("How often"), choices=MeetingSeries.Recurrence.choices, widget=forms.RadioSelect
    )
    first_date = forms.DateField(label=_("First meeting"), required=False, widget=DATE)
    count = forms.IntegerField(
        label=_("Number of meetings"),
        required=False,
        min_value=1,
        max_value=services.MAX_MEETINGS,
        initial=10,
        help_text=_("Monthly: the same weekday in the same week of each month. Twice a half-year: every third month."),
    )
    custom_dates = forms.CharField(
        label=_("Chosen dates"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Only for chosen dates: one date per line, like 10.03.2026."),
    )
    start_time = forms.TimeField(label=_("Time"), widget=TIME)
    duration_minutes = forms.IntegerField(label=_("Minutes"), min_value=10, max_value=600, initial=90)
    place = forms.CharField(label=_("Place or video link"), max_length=300, required=False)

    def __init__(self, *args, networks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["network"].choices = [("", _("Choose a network")), *[(n.pk, n.name) for n in networks]]
        self.fields["network"].error_messages["invalid_choice"] = _(
            "Choose a network your organisation is a member of."
        )

    def clean_custom_dates(self) -> list[date]:
        return parse_dates(self.cleaned_data.get("custom_dates") or "")

    def to_data(self) -> services.SeriesData:
        d = self.cleaned_data
        return services.SeriesData(
            network_id=d["network"],
            title=d["title"],
            description=d.get("description") or "",
            recurrence=d["recurrence"],
            first_date=d.get("first_date"),
            count=d.get("count") or 1,
            custom_dates=d.get("custom_dates") or [],
            start_time=d["start_time"],
            duration_minutes=d["duration_minutes"],
            place=d.get("place") or "",
        )


class AddMeetingForm(StyledForm, forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE, error_messages={"required": _("Give the date.")})
    start_time = forms.TimeField(label=_("Time"), required=False, widget=TIME)


class MeetingForm(StyledForm, forms.Form):
    agenda = forms.CharField(
        label=_("Agenda"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("No names or national ids of clients: the agenda is shared with every member organisation."),
    )
    minutes = forms.CharField(
        label=_("Minutes"),
        max_length=50000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("Write about cases without names or national ids: the minutes are shared across organisations."),
    )


class ScheduleForm(StyledForm, forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE)
    start_time = forms.TimeField(label=_("Time"), widget=TIME)
    place = forms.CharField(label=_("Place or video link"), max_length=300, required=False)
    cancelled = forms.BooleanField(label=_("Cancelled"), required=False)


class DocumentForm(StyledForm, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    url = forms.URLField(label=_("Link"), max_length=500, assume_scheme="https")
