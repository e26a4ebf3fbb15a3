from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kindred.forms import StyledForm
from kindred.people.models import Person, Relationship
from kindred.people.services import PersonData

LANGUAGE_CHOICES = [("", _("Not recorded")), *settings.LANGUAGES, ("other", _("Other language"))]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class PersonForm(StyledForm, forms.Form):
    given_name = forms.CharField(label=_("Given name"), max_length=100, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=100, required=False)
    national_id = forms.CharField(
        label=_("National id (fødselsnummer, D-number or CPR)"),
        max_length=14,
        required=False,
        help_text=_("Optional. Leave empty for anonymous clients."),
    )
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DateInput)
    birth_year = forms.IntegerField(
        label=_("Birth year (if the date is unknown)"), required=False, min_value=1900, max_value=2100
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Person.Sex.choices, required=False)
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=LANGUAGE_CHOICES, required=False)
    interpreter_needed = forms.BooleanField(label=_("Interpreter needed"), required=False)

    def to_data(self) -> PersonData:
        d = self.cleaned_data
        return PersonData(
            given_name=d["given_name"],
            family_name=d["family_name"],
            national_id=d["national_id"].strip(),
            birth_date=d["birth_date"],
            birth_year=d["birth_year"],
            sex=d["sex"],
            preferred_language=d["preferred_language"],
            interpreter_needed=d["interpreter_needed"],
        )


class ChildForm(StyledForm, forms.Form):
    """One child named in the children answer."""

    given_name = forms.CharField(label=_("Given name"), max_length=100, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=100, required=False)
    national_id = forms.CharField(label=_("National id"), max_length=14, required=False)
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DateInput)
    birth_year = forms.IntegerField(label=_("Birth year"), required=False, min_value=1900, max_value=2100)
    parental_responsibility = forms.ChoiceField(
        label=_("Parental responsibility"), choices=Relationship.ParentalResponsibility.choices, required=False
    )
    lives_together = forms.TypedChoiceField(
        label=_("Lives with the patient"),
        required=False,
        empty_value=None,
        choices=[("", _("Not recorded")), ("true", _("Yes")), ("false", _("No"))],
        coerce=lambda v: v == "true",
    )
    contact_arrangement = forms.CharField(label=_("Contact arrangement"), max_length=200, required=False)

    def is_blank(self) -> bool:
        d = getattr(self, "cleaned_data", {})
        return not any(d.get(k) for k in ("given_name", "family_name", "national_id", "birth_date", "birth_year"))

    def to_person(self) -> PersonData:
        d = self.cleaned_data
        return PersonData(
            given_name=d["given_name"],
            family_name=d["family_name"],
            national_id=d["national_id"].strip(),
            birth_date=d["birth_date"],
            birth_year=d["birth_year"],
        )


ChildFormSet = forms.formset_factory(ChildForm, extra=0, max_num=20, absolute_max=20)


class BreakGlassForm(StyledForm, forms.Form):
    national_id = forms.CharField(label=_("The patient's national id"), max_length=14)
    reason = forms.CharField(
        label=_("Why do you need access?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=_("The access lasts a few hours, is logged and is reviewed by the unit's child-responsible staff."),
    )


class RelativeForm(StyledForm, forms.Form):
    kind = forms.ChoiceField(
        label=_("Relation"),
        choices=[
            (Relationship.Kind.PARTNER, _("Partner")),
            (Relationship.Kind.PARENT_OF, _("Parent")),
            (Relationship.Kind.SIBLING, _("Sibling")),
            (Relationship.Kind.OTHER_CLOSE, _("Other close person (friend, neighbour, grandparent…)")),
        ],
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=100,
        required=False,
        help_text=_("For example step-parent, friend or neighbour."),
    )
    given_name = forms.CharField(label=_("Given name"), max_length=100, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=100, required=False)
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DateInput)
    birth_year = forms.IntegerField(label=_("Birth year"), required=False, min_value=1900, max_value=2100)
    lives_together = forms.TypedChoiceField(
        label=_("Lives together"),
        required=False,
        empty_value=None,
        choices=[("", _("Not recorded")), ("true", _("Yes")), ("false", _("No"))],
        coerce=lambda v: v == "true",
    )

    def to_person(self) -> PersonData:
        d = self.cleaned_data
        return PersonData(
            given_name=d["given_name"],
            family_name=d["family_name"],
            birth_date=d["birth_date"],
            birth_year=d["birth_year"],
        )
