"""Forms of the competence pages. They check shape (dates, choices); the rules live in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kindred.competence.models import Course
from kindred.forms import StyledForm

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CourseForm(StyledForm, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Course.Kind.choices)
    description = forms.CharField(
        label=_("Description"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    discussion_tasks = forms.CharField(
        label=_("Discussion tasks"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Tasks to discuss with colleagues after each part, one per line."),
    )
    starts_on = forms.DateField(label=_("First day"), required=False, widget=DATE)
    ends_on = forms.DateField(label=_("Last day"), required=False, widget=DATE)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    web = forms.URLField(label=_("Web address"), required=False, assume_scheme="https")
    child_responsible_training = forms.BooleanField(
        label=_("Counts as the training for child-responsible staff"), required=False
    )
    valid_months = forms.IntegerField(
        label=_("Months before it is due again"),
        required=False,
        min_value=1,
        max_value=240,
        help_text=_("Leave empty if the training never needs to be repeated."),
    )
    open_to_all = forms.BooleanField(label=_("Open to staff of every organisation"), required=False, initial=True)
    active = forms.BooleanField(label=_("Open for enrolment"), required=False, initial=True)

    @classmethod
    def initial_for(cls, course: Course) -> dict:
        return {name: getattr(course, name) for name in cls.base_fields}

    def to_data(self) -> dict:
        data = dict(self.cleaned_data)
        for name in ("description", "discussion_tasks", "place", "web"):
            data[name] = (data.get(name) or "").strip()
        return data


class EnrolStaffForm(StyledForm, forms.Form):
    user = forms.TypedChoiceField(
        label=_("Staff member"), coerce=int, error_messages={"required": _("Choose a staff member.")}
    )

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.staff = {user.pk: user for user in staff}
        self.fields["user"].choices = [
            ("", _("Choose a staff member")),
            *[(user.pk, user.full_name or user.email) for user in self.staff.values()],
        ]
        self.fields["user"].error_messages["invalid_choice"] = _("Choose a member of your organisation.")

    def chosen(self):
        return self.staff[self.cleaned_data["user"]]


class CompletionForm(StyledForm, forms.Form):
    completed_on = forms.DateField(
        label=_("Completed on"),
        widget=DATE,
        error_messages={
            "required": _("Give the day the course was completed."),
            "invalid": _("Give a valid date."),
        },
    )
