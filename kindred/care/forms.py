from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kindred.care.models import (
    ChildrenAnswer,
    ChildSheet,
    ConcernReport,
    Episode,
    InformationGiven,
    ProblemArea,
    SiblingsAnswer,
)
from kindred.care.services import RELATIVE_RELATIONS, ConcernData, EpisodeData
from kindred.forms import StyledForm
from kindred.orgs.models import Membership
from kindred.people.forms import DateInput
from kindred.people.services import PersonData


def member_choices(organisation, *, blank: bool = True):
    users = (
        Membership.objects.filter(organisation=organisation)
        .values_list("user_id", "user__full_name")
        .order_by("user__full_name")
        .distinct()
    )
    choices = [(str(pk), name) for pk, name in users]
    return [("", _("Not chosen")), *choices] if blank else choices


class EpisodeForm(StyledForm, forms.Form):
    kind = forms.ChoiceField(label=_("Kind of episode"), choices=Episode.Kind.choices)
    started_on = forms.DateField(label=_("Start date"), widget=DateInput)
    responsible = forms.TypedChoiceField(label=_("Responsible clinician"), coerce=int, required=False, empty_value=None)
    child_contact = forms.TypedChoiceField(
        label=_("Child-responsible contact"), coerce=int, required=False, empty_value=None
    )
    problem_areas = forms.MultipleChoiceField(
        label=_("Problem areas"), choices=ProblemArea.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    pregnancy = forms.ChoiceField(label=_("Pregnancy"), choices=Episode.Pregnancy.choices)
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DateInput)
    referred_by = forms.ChoiceField(label=_("Referred by"), choices=Episode.ReferredBy.choices, required=False)

    def __init__(self, *args, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = member_choices(organisation)
        self.fields["responsible"].choices = choices
        self.fields["child_contact"].choices = choices
        self.fields["started_on"].initial = timezone.localdate()

    def to_data(self) -> EpisodeData:
        d = self.cleaned_data
        return EpisodeData(
            kind=d["kind"],
            started_on=d["started_on"],
            responsible_id=d["responsible"],
            child_contact_id=d["child_contact"],
            problem_areas=d["problem_areas"],
            pregnancy=d["pregnancy"],
            due_date=d["due_date"],
            referred_by=d.get("referred_by") or "",
        )


# How the client (the relative) is related to the person whose problem affects them: the keys of
# services.RELATIVE_RELATIONS, worded from the client's side.
RELATIVE_RELATION_LABELS = {
    "partner": _("Partner or spouse of the person with the problem"),
    "child": _("Child of the person with the problem"),
    "parent": _("Parent of the person with the problem"),
    "sibling": _("Sister or brother of the person with the problem"),
    "other": _("Other close person (friend, grandparent, step-family…)"),
}
if set(RELATIVE_RELATION_LABELS) != set(RELATIVE_RELATIONS):  # not an assert: python -O would drop it
    raise ImproperlyConfigured("RELATIVE_RELATION_LABELS must name exactly the RELATIVE_RELATIONS.")
RELATION_MESSAGE = _("Choose how the client is related to the person with the problem.")


class RelativeIntakeForm(StyledForm, forms.Form):
    """A relative as a client in their own right: the episode, and the person whose problem affects them (one the
    actor may see, or a new one). The relative's own person fields are a PersonForm next to it."""

    referred_by = forms.ChoiceField(label=_("Referred by"), choices=Episode.ReferredBy.choices, required=False)
    started_on = forms.DateField(label=_("Start date"), widget=DateInput)
    responsible = forms.TypedChoiceField(label=_("Responsible clinician"), coerce=int, required=False, empty_value=None)
    relation = forms.ChoiceField(
        label=_("The client is"),
        choices=[("", _("Choose")), *RELATIVE_RELATION_LABELS.items()],
        error_messages={"required": RELATION_MESSAGE, "invalid_choice": RELATION_MESSAGE},
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=100,
        required=False,
        help_text=_("For example step-parent, friend or neighbour."),
    )
    # Any id is accepted here: the service checks it against what the actor may see, with its own message.
    affected = forms.IntegerField(
        label=_("The person whose problem affects the client"),
        required=False,
        min_value=1,
        widget=forms.Select,
        help_text=_("Choose a patient you have access to, or give a new person's name below."),
    )
    affected_given_name = forms.CharField(label=_("Given name"), max_length=100, required=False)
    affected_family_name = forms.CharField(label=_("Family name"), max_length=100, required=False)
    affected_birth_year = forms.IntegerField(
        label=_("Birth year (if the date is unknown)"), required=False, min_value=1900, max_value=2100
    )
    problem_areas = forms.MultipleChoiceField(
        label=_("Problem areas"), choices=ProblemArea.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    NEW_PERSON_FIELDS = ("affected_given_name", "affected_family_name", "affected_birth_year")

    def __init__(self, *args, organisation=None, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].choices = member_choices(organisation)
        self.fields["started_on"].initial = timezone.localdate()
        self.fields["affected"].widget.choices = [
            ("", _("A new person (give the name below)")),
            *[(str(p.pk), _person_label(p)) for p in candidates],
        ]

    def new_person_fields(self):
        return [self[name] for name in self.NEW_PERSON_FIELDS]

    def episode_fields(self):
        return [self[name] for name in ("referred_by", "started_on", "responsible", "problem_areas")]

    def affected_data(self) -> PersonData | None:
        """The new person whose problem affects the client, or None when none is named."""
        d = self.cleaned_data
        if not any(d.get(name) for name in self.NEW_PERSON_FIELDS):
            return None
        return PersonData(
            given_name=d["affected_given_name"].strip(),
            family_name=d["affected_family_name"].strip(),
            birth_year=d["affected_birth_year"],
        )

    def to_data(self) -> EpisodeData:
        d = self.cleaned_data
        return EpisodeData(
            kind=Episode.Kind.RELATIVE,
            started_on=d["started_on"],
            responsible_id=d["responsible"],
            problem_areas=d["problem_areas"],
            referred_by=d["referred_by"] or "",
        )


def _person_label(person) -> str:
    year = person.birth_year or (person.birth_date.year if person.birth_date else None)
    return f"{person} ({year})" if year else str(person)


class ChildrenAnswerForm(StyledForm, forms.Form):
    children_answer = forms.ChoiceField(
        label=_("Does the patient have minor children (under 18, including step- and foster children)?"),
        choices=ChildrenAnswer.choices,
        widget=forms.RadioSelect,
    )
    siblings_answer = forms.ChoiceField(
        label=_("Does the patient have minor siblings?"), choices=SiblingsAnswer.choices, widget=forms.RadioSelect
    )
    source = forms.ChoiceField(label=_("Source of the answer"), choices=Episode.Source.choices)


class ChildSheetForm(StyledForm, forms.Form):
    concern_level = forms.ChoiceField(label=_("Concern level"), choices=ChildSheet.Concern.choices)
    who_informs = forms.ChoiceField(
        label=_("Who informs the child"),
        choices=ChildSheet.Informer.choices,
        required=False,
        help_text=_("Agree on this with the other services so the work is not done twice."),
    )

    def __init__(self, *args, template=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.sections = []
        for section in template.sections:
            names = []
            for question in section["questions"]:
                name = f"q_{question['key']}"
                self.fields[name] = forms.CharField(
                    label=question["text"],
                    required=False,
                    max_length=5000,
                    widget=forms.Textarea(attrs={"rows": 2, "class": "ds-input"}),
                )
                names.append(name)
            self.sections.append((section["title"], names))

    def section_fields(self):
        return [(title, [self[name] for name in names]) for title, names in self.sections]

    def answers(self) -> dict[str, str]:
        return {name[2:]: value for name, value in self.cleaned_data.items() if name.startswith("q_")}


class InformationForm(StyledForm, forms.Form):
    given_on = forms.DateField(label=_("Date"), widget=DateInput)
    form = forms.ChoiceField(label=_("Form"), choices=InformationGiven.Form.choices)
    present = forms.CharField(
        label=_("Who was present"),
        max_length=200,
        required=False,
        help_text=_("Do not write what the child said: the content of the child's talk is not recorded."),
    )

    def __init__(self, *args, items=None, **kwargs):
        super().__init__(*args, **kwargs)
        if items is not None:
            from kindred.library.forms import HandoutField

            self.fields["items"] = HandoutField(items)


class TaskForm(StyledForm, forms.Form):
    title = forms.CharField(label=_("Task"), max_length=200)
    assignee = forms.TypedChoiceField(label=_("Assigned to"), coerce=int)
    due_on = forms.DateField(label=_("Due date"), widget=DateInput)
    child = forms.TypedChoiceField(label=_("Child"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, organisation=None, children=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = member_choices(organisation, blank=False)
        self.fields["child"].choices = [("", _("The episode as a whole")), *[(str(c.pk), str(c)) for c in children]]


class TaskStatusForm(forms.Form):
    status = forms.ChoiceField(choices=[("done", "done"), ("cancelled", "cancelled"), ("open", "open")])


class ConcernReportForm(StyledForm, forms.Form):
    recipient = forms.CharField(label=_("Child welfare service of the child's municipality"), max_length=200)
    recipient_municipality = forms.CharField(label=_("Municipality number"), max_length=4, required=False)
    basis = forms.ChoiceField(label=_("Legal basis"), choices=ConcernReport.Basis.choices)
    reason = forms.CharField(label=_("Reason for concern"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    parent_informed = forms.TypedChoiceField(
        label=_("Was the parent told about the report?"),
        choices=[("true", _("Yes")), ("false", _("No"))],
        coerce=lambda v: v == "true",
        widget=forms.RadioSelect,
    )
    parent_not_informed_reason = forms.CharField(
        label=_("If not: why"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )
    forwarding_contact = forms.CharField(
        label=_("The institution's forwarding contact"), max_length=200, required=False
    )
    sent_on = forms.DateField(label=_("Date sent"), widget=DateInput)

    def to_data(self) -> ConcernData:
        return ConcernData(**self.cleaned_data)


class FeedbackForm(StyledForm, forms.Form):
    feedback_on = forms.DateField(label=_("Feedback received"), widget=DateInput)
    feedback_status = forms.ChoiceField(label=_("Feedback"), choices=ConcernReport.Feedback.choices[1:])


class DischargeForm(StyledForm, forms.Form):
    ended_on = forms.DateField(label=_("End date"), widget=DateInput)

    def __init__(self, *args, children=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.children = list(children)
        for child in self.children:
            self.fields[f"summary_{child.pk}"] = forms.CharField(
                label=_("Handover summary for %(child)s") % {"child": child},
                required=False,
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=_("Who follows the child up after discharge, and what has been agreed."),
            )
        self.fields["ended_on"].initial = timezone.localdate()

    def summaries(self) -> dict[int, str]:
        return {c.pk: self.cleaned_data.get(f"summary_{c.pk}", "") for c in self.children}

    def summary_fields(self):
        return [self[f"summary_{c.pk}"] for c in self.children]


class ChildrenOverviewFilter(forms.Form):
    state = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("", _("All children")),
            ("sheet_missing", _("Child sheet missing")),
            ("not_informed", _("Not informed")),
            ("some_concern", _("Some or serious concern")),
            ("serious", _("Serious concern")),
            ("overdue", _("Overdue tasks")),
            ("open_reports", _("Open concern reports")),
        ],
    )
    order = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("child", _("Child")),
            ("parent", _("Parent")),
            ("concern", _("Concern level")),
            ("overdue", _("Overdue tasks")),
            ("started", _("Newest episode")),
        ],
    )


class SheetTemplateForm(StyledForm, forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    title = forms.CharField(label=_("Title"), max_length=200)
    sections = forms.JSONField(
        label=_("Sections and questions (JSON)"),
        widget=forms.Textarea(attrs={"rows": 24, "class": "ds-input k-code"}),
        help_text=_(
            'A list of sections: {"key", "title", "questions": [{"key", "text"}]}. Keep the keys of '
            "questions you keep, so answers stay comparable."
        ),
    )
