from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kindred.consent.models import Category, Consent
from kindred.consent.services import ConsentData
from kindred.forms import StyledForm
from kindred.orgs.models import Organisation
from kindred.people.forms import DateInput


class ConsentForm(StyledForm, forms.Form):
    categories = forms.MultipleChoiceField(
        label=_("What information"), choices=Category.choices, widget=forms.CheckboxSelectMultiple
    )
    recipient_organisation = forms.ModelChoiceField(
        label=_("To the organisation"),
        queryset=Organisation.objects.order_by("name"),
        required=False,
        empty_label=_("— or choose a kind of service below —"),
    )
    recipient_kind = forms.ChoiceField(
        label=_("Or to every service of the kind"),
        choices=[("", _("Not chosen")), *Organisation.Kind.choices],
        required=False,
    )
    recipient_municipality = forms.CharField(label=_("In the municipality (number)"), max_length=4, required=False)
    purpose = forms.CharField(label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput)
    valid_until = forms.DateField(label=_("Valid until"), widget=DateInput)
    form = forms.ChoiceField(label=_("Given"), choices=Consent.Form.choices, widget=forms.RadioSelect)
    given_by = forms.ChoiceField(label=_("Given by"), choices=Consent.GivenBy.choices, widget=forms.RadioSelect)
    guardian_name = forms.CharField(label=_("Name of the guardian"), max_length=200, required=False)
    scan = forms.FileField(label=_("Scanned consent (optional)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["valid_from"].initial = today
        self.fields["valid_until"].initial = (
            today.replace(year=today.year + 1)
            if not (today.month == 2 and today.day == 29)
            else today.replace(year=today.year + 1, day=28)
        )
        self.fields["form"].initial = Consent.Form.VERBAL
        self.fields["given_by"].initial = Consent.GivenBy.PERSON

    def to_data(self) -> ConsentData:
        d = self.cleaned_data
        return ConsentData(
            categories=d["categories"],
            purpose=d["purpose"],
            valid_from=d["valid_from"],
            valid_until=d["valid_until"],
            form=d["form"],
            recipient_organisation_id=d["recipient_organisation"].pk if d["recipient_organisation"] else None,
            recipient_kind=d["recipient_kind"],
            recipient_municipality=d["recipient_municipality"].strip(),
            given_by=d["given_by"],
            guardian_name=d["guardian_name"],
            scan=d["scan"],
        )
