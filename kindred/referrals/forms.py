from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kindred.consent.models import Category
from kindred.forms import StyledForm
from kindred.orgs.models import Organisation
from kindred.referrals.models import ChildAgreement, Referral
from kindred.referrals.services import TRANSITIONS, ReferralData


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return f"{obj.name} ({obj.get_kind_display()})"


def _other_organisations(organisation: Organisation):
    return Organisation.objects.exclude(pk=organisation.pk).order_by("name")


class ReferralForm(StyledForm, forms.Form):
    to_organisation = OrganisationChoiceField(
        label=_("To the organisation"), queryset=Organisation.objects.none(), empty_label=_("Choose an organisation")
    )
    reason = forms.CharField(
        label=_("Reason for the referral"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=Referral.Urgency.choices, widget=forms.RadioSelect, initial=Referral.Urgency.NORMAL
    )
    categories = forms.MultipleChoiceField(
        label=_("Information the referral shares"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A valid consent from the person must cover the receiver and every part chosen."),
    )
    children = forms.TypedMultipleChoiceField(
        label=_("Children the referral is about"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    contact_person = forms.CharField(
        label=_("Contact person"),
        max_length=200,
        required=False,
        help_text=_("Who the receiver can contact about the referral, with a phone number."),
    )

    def __init__(self, *args, organisation: Organisation, children=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_organisation"].queryset = _other_organisations(organisation)
        if children:
            self.fields["children"].choices = [(c.pk, str(c)) for c in children]
        else:
            del self.fields["children"]

    def to_data(self) -> ReferralData:
        d = self.cleaned_data
        return ReferralData(
            to_organisation_id=d["to_organisation"].pk,
            reason=d["reason"],
            categories=list(d["categories"]),
            urgency=d["urgency"],
            contact_person=d["contact_person"],
            child_ids=tuple(d.get("children") or ()),
        )


class ReferralStatusForm(forms.Form):
    status = forms.ChoiceField(choices=[(s.value, s.label) for s in TRANSITIONS])
    note = forms.CharField(max_length=2000, required=False)
    decline_reason = forms.ChoiceField(choices=Referral.DeclineReason.choices, required=False)


class ReferralActionForm(StyledForm, forms.Form):
    """The note and reason shown with the status buttons on the referral page."""

    note = forms.CharField(
        label=_("Note (optional)"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    decline_reason = forms.ChoiceField(
        label=_("Reason for declining"),
        choices=Referral.DeclineReason.choices,
        required=False,
        help_text=_("Needed only when you decline."),
    )

    def __init__(self, *args, can_decline: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_decline:
            del self.fields["decline_reason"]


class ConsultationForm(StyledForm, forms.Form):
    to_organisation = OrganisationChoiceField(
        label=_("Ask the organisation"), queryset=Organisation.objects.none(), empty_label=_("Choose an organisation")
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    question = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 6}), max_length=8000)

    def __init__(self, *args, organisation: Organisation, anonymous: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_organisation"].queryset = _other_organisations(organisation)
        if anonymous:
            self.fields["question"].help_text = _(
                "Without a consent the consultation must be anonymous: no names, national ids or other details "
                "that identify the person."
            )


class ReplyForm(StyledForm, forms.Form):
    text = forms.CharField(label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 4}), max_length=8000)


class AgreementForm(StyledForm, forms.Form):
    task = forms.ChoiceField(label=_("Task"), choices=ChildAgreement.Task.choices)
    responsible_organisation = OrganisationChoiceField(
        label=_("Responsible service"),
        queryset=Organisation.objects.order_by("name"),
        empty_label=_("Choose an organisation"),
    )
    note = forms.CharField(label=_("Note (optional)"), max_length=300, required=False)
