"""Forms of the programme pages. They check shape (numbers, dates, choices); the rules live in services."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kindred.directory.models import Relation
from kindred.forms import StyledForm
from kindred.programs import services
from kindred.programs.models import Enrolment, Participant, ProgrammeTemplate, SessionForm

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
NETWORK_ROWS = 8
SUPPORT_LEVELS = [
    ("0", _("0 – not supportive")),
    ("1", _("1 – a little supportive")),
    ("2", _("2 – quite supportive")),
    ("3", _("3 – very supportive")),
]


def _text(label, limit: int, rows: int = 3, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, max_length=limit, widget=forms.Textarea(attrs={"rows": rows}), **kwargs
    )


# --- Templates -------------------------------------------------------------------------------------


def parse_sessions(text: str) -> list[dict]:
    """One session per line, "Title | form | description"; the form and the description may be left out."""
    sessions = []
    for line in text.splitlines():
        if not line.strip():
            continue
        title, _bar, rest = line.partition("|")
        form, _bar, description = rest.partition("|")
        sessions.append({"title": title.strip(), "form": form.strip().lower(), "description": description.strip()})
    return sessions


def format_sessions(sessions: list[dict]) -> str:
    lines = []
    for session in sessions or []:
        title, form, description = session.get("title", ""), session.get("form", ""), session.get("description", "")
        if description:
            lines.append(f"{title} | {form} | {description}")
        elif form:
            lines.append(f"{title} | {form}")
        else:
            lines.append(title)
    return "\n".join(lines)


def measure_choices(language: str) -> list[tuple[str, str]]:
    from kindred.instruments.loader import builtin_definitions

    return sorted(
        ((key, definition.title.get(language)) for key, definition in builtin_definitions().items()),
        key=lambda choice: str(choice[1]),
    )


class TemplateForm(StyledForm, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=ProgrammeTemplate.Kind.choices)
    description = _text(_("Description"), 5000, rows=4)
    audience = forms.CharField(label=_("For whom"), max_length=300, required=False)
    delivery = forms.ChoiceField(label=_("Delivery"), choices=ProgrammeTemplate.Delivery.choices)
    interval_days = forms.IntegerField(label=_("Days between sessions"), min_value=1, max_value=365, initial=7)
    sessions = forms.CharField(
        label=_("Sessions"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            'One session per line: "Title | form | description". The form says what is recorded for each '
            "participant and may be left empty (a free note) or be one of: stresses, information, coping, "
            "network, needs."
        ),
        error_messages={"required": _("A programme needs at least one session.")},
    )
    min_participants = forms.IntegerField(label=_("Fewest participants"), min_value=1, max_value=500, initial=1)
    max_participants = forms.IntegerField(label=_("Most participants"), min_value=1, max_value=500, initial=8)
    completion_min_sessions = forms.IntegerField(
        label=_("Sessions attended to complete"), min_value=1, max_value=52, initial=1
    )
    measures = forms.MultipleChoiceField(
        label=_("Baseline and end measures"), required=False, widget=forms.CheckboxSelectMultiple
    )
    pre_interview = forms.BooleanField(label=_("Pre-interview before joining"), required=False)
    drop_in = forms.BooleanField(label=_("Drop-in, counted by head without names"), required=False)
    peer_leader = forms.BooleanField(label=_("Led by a peer with own experience"), required=False)
    free = forms.BooleanField(label=_("Free of charge"), required=False, initial=True)
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def __init__(self, *args, language: str = "nb", template: ProgrammeTemplate | None = None, **kwargs):
        if template is not None:
            kwargs.setdefault(
                "initial",
                {
                    **{name: getattr(template, name) for name in services.TEMPLATE_FIELDS},
                    "sessions": format_sessions(template.sessions),
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["measures"].choices = measure_choices(language)

    def clean_sessions(self) -> list[dict]:
        try:
            return services.clean_sessions(parse_sessions(self.cleaned_data["sessions"]))
        except ValidationError as error:
            raise ValidationError(error.messages) from None

    def to_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in services.TEMPLATE_FIELDS}


# --- Runs and sessions -----------------------------------------------------------------------------


class RunForm(StyledForm, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, error_messages={"required": _("Give the run a title.")})
    starts_on = forms.DateField(label=_("First session"), widget=DATE)
    start_time = forms.TimeField(label=_("Time"), widget=TIME)
    venue = forms.CharField(label=_("Venue"), max_length=200, required=False)
    online = forms.BooleanField(label=_("Online"), required=False)
    capacity = forms.IntegerField(
        label=_("Capacity"),
        min_value=1,
        max_value=500,
        help_text=_("Places; when they are taken, new participants go on the waiting list."),
        error_messages={
            "min_value": _("The capacity must be from 1 to 500."),
            "max_value": _("The capacity must be from 1 to 500."),
        },
    )
    duration_minutes = forms.IntegerField(label=_("Minutes per session"), min_value=10, max_value=600, initial=120)
    leaders = forms.TypedMultipleChoiceField(
        label=_("Leaders"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Leaders must be group leaders or coordinators of your organisation.")},
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leaders"].choices = [
            (user.pk, user.full_name or user.email) for user in services.leader_choices(organisation)
        ]

    @classmethod
    def initial_for(cls, run) -> dict:
        return {
            "title": run.title,
            "starts_on": run.starts_on,
            "start_time": run.start_time,
            "venue": run.venue,
            "online": run.online,
            "capacity": run.capacity,
            "duration_minutes": run.duration_minutes,
            "leaders": [user.pk for user in run.leaders.all()],
        }

    def to_data(self, run=None) -> services.RunData:
        d = self.cleaned_data
        return services.RunData(
            title=d["title"],
            starts_on=d["starts_on"] if run is None else run.starts_on,
            start_time=d["start_time"],
            venue=d["venue"],
            online=d["online"],
            capacity=d["capacity"],
            duration_minutes=d["duration_minutes"],
            leader_ids=d["leaders"],
        )


class RunEditForm(RunForm):
    """Changing a run keeps its dated sessions: the first date is changed session by session."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["starts_on"]


class CancelForm(StyledForm, forms.Form):
    reason = forms.CharField(
        label=_("Why is the run cancelled?"),
        max_length=200,
        error_messages={"required": _("Write why the run is cancelled.")},
    )


class SessionEditForm(StyledForm, forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE)
    start_time = forms.TimeField(label=_("Time"), widget=TIME)
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        error_messages={"required": _("A session needs a title of at most 200 characters.")},
    )
    cancelled = forms.BooleanField(label=_("Cancelled"), required=False)


class HeadCountForm(StyledForm, forms.Form):
    head_count = forms.IntegerField(
        label=_("How many came?"),
        min_value=0,
        max_value=5000,
        error_messages={
            key: _("Give the number of people who came, from 0 to 5000.")
            for key in ("required", "invalid", "min_value", "max_value")
        },
    )


class EvaluationForm(StyledForm, forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How useful was the session (1–5)"),
        coerce=int,
        choices=[(str(n), str(n)) for n in range(1, 6)],
        widget=forms.RadioSelect,
        help_text=_("1 is not useful, 5 is very useful."),
        error_messages={
            "required": _("Choose a rating from 1 to 5."),
            "invalid_choice": _("Choose a rating from 1 to 5."),
        },
    )
    comment = forms.CharField(
        label=_("Comment"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


# --- Participants and enrolment --------------------------------------------------------------------


class EnrolForm(StyledForm, forms.Form):
    name = forms.CharField(
        label=_("Name or pseudonym"), max_length=100, error_messages={"required": _("Give a name or a pseudonym.")}
    )
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    birth_year = forms.IntegerField(label=_("Birth year"), required=False, min_value=1900)
    relation = forms.ChoiceField(
        label=_("Relation to the person with the problem"),
        required=False,
        choices=[("", _("Not given")), *Relation.choices],
    )
    reminders = forms.ChoiceField(
        label=_("Reminders by"), required=False, choices=Participant.Channel.choices, widget=forms.RadioSelect
    )

    def clean_birth_year(self):
        year = self.cleaned_data["birth_year"]
        if year is not None and year > timezone.localdate().year:
            raise ValidationError(_("The birth year cannot be in the future."))
        return year

    def to_data(self) -> services.ParticipantData:
        d = self.cleaned_data
        return services.ParticipantData(
            name=d["name"],
            phone=d["phone"],
            email=d["email"],
            birth_year=d["birth_year"],
            relation=d["relation"],
            reminders=d["reminders"],
        )


class InterviewForm(StyledForm, forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=Enrolment.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose suitable or better helped elsewhere.")},
    )
    held_on = forms.DateField(label=_("Date of the pre-interview"), widget=DATE)
    note = _text(_("Note"), 2000)
    referred_to = forms.CharField(
        label=_("Referred to"),
        max_length=200,
        required=False,
        help_text=_("When the person is better helped elsewhere: where they are referred."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"held_on": timezone.localdate()})
        kwargs.setdefault("prefix", "interview")
        super().__init__(*args, **kwargs)


class WithdrawForm(StyledForm, forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "withdraw")
        super().__init__(*args, **kwargs)


# --- Session notes ---------------------------------------------------------------------------------


class CopingNoteForm(StyledForm, forms.Form):
    position = forms.ChoiceField(
        label=_("Coping position"),
        required=False,
        choices=list(services.COPING_POSITIONS.items()),
        widget=forms.RadioSelect,
    )
    pros = _text(_("Pros of this way of coping"), 2000)
    cons = _text(_("Cons of this way of coping"), 2000)
    strategies = _text(_("Chosen strategies"), 2000)

    def to_raw(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("position", "pros", "cons", "strategies")}


class NetworkNoteForm(StyledForm, forms.Form):
    """A network map: who is around the participant, and how supportive each one is (0–3)."""

    text = _text(_("Notes on the network"), 2000)

    def __init__(self, *args, rows: int = NETWORK_ROWS, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for n in range(1, rows + 1):
            self.fields[f"who_{n}"] = forms.CharField(
                label=_("Person %(n)s") % {"n": n}, max_length=100, required=False
            )
            self.fields[f"support_{n}"] = forms.ChoiceField(
                label=_("How supportive is person %(n)s") % {"n": n},
                required=False,
                choices=[("", "—"), *SUPPORT_LEVELS],
            )
            for name in (f"who_{n}", f"support_{n}"):
                self.fields[name].widget.attrs.setdefault("class", "ds-input")
        # The text field last, after the map.
        self.order_fields([*(f"{kind}_{n}" for n in range(1, rows + 1) for kind in ("who", "support")), "text"])

    @staticmethod
    def initial_from(data: dict) -> dict:
        initial = {"text": data.get("text", "")}
        for n, person in enumerate(data.get("persons") or [], start=1):
            initial[f"who_{n}"] = person.get("who", "")
            initial[f"support_{n}"] = str(person.get("support", ""))
        return initial

    @property
    def map_rows(self):
        return [(n, self[f"who_{n}"], self[f"support_{n}"]) for n in range(1, self.rows + 1)]

    def to_raw(self) -> dict:
        d = self.cleaned_data
        persons = [
            {"who": d[f"who_{n}"], "support": d[f"support_{n}"]}
            for n in range(1, self.rows + 1)
            if d[f"who_{n}"].strip()
        ]
        return {"persons": persons, "text": d["text"]}


class NeedsNoteForm(StyledForm, forms.Form):
    needs = _text(_("Further needs"), 2000)
    referral = forms.CharField(label=_("Referred to"), max_length=200, required=False)

    def to_raw(self) -> dict:
        return {"needs": self.cleaned_data["needs"], "referral": self.cleaned_data["referral"]}


class TextNoteForm(StyledForm, forms.Form):
    text = _text(_("Note"), 4000, rows=6)

    def to_raw(self) -> dict:
        return {"text": self.cleaned_data["text"]}


NOTE_FORMS = {
    SessionForm.COPING: CopingNoteForm,
    SessionForm.NETWORK: NetworkNoteForm,
    SessionForm.NEEDS: NeedsNoteForm,
}


def note_form(form: str, *args, data_initial: dict | None = None, **kwargs):
    """The note form for a session's form, with the saved note as its initial values."""
    cls = NOTE_FORMS.get(form, TextNoteForm)
    saved = data_initial or {}
    if cls is NetworkNoteForm:
        kwargs["rows"] = max(NETWORK_ROWS, len(saved.get("persons") or []))
        kwargs["initial"] = NetworkNoteForm.initial_from(saved)
    else:
        kwargs["initial"] = {k: v for k, v in saved.items() if isinstance(v, str)}
    return cls(*args, **kwargs)
