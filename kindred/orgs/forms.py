from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kindred.forms import StyledForm
from kindred.orgs.models import Role


class AddMemberForm(StyledForm, forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class ChangeRoleForm(StyledForm, forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
