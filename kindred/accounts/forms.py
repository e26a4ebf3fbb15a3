from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kindred.forms import StyledForm


class LoginForm(StyledForm, forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    password = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput, max_length=512)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update(autocomplete="username", autofocus=True)
        self.fields["password"].widget.attrs.update(autocomplete="current-password")


class TokenForm(StyledForm, forms.Form):
    token = forms.RegexField(
        label=_("Six-digit code from your authenticator app"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Enter the six digits shown in your authenticator app.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["token"].widget.attrs.update(autocomplete="one-time-code", inputmode="numeric", autofocus=True)

    def clean_token(self) -> str:
        return self.cleaned_data["token"].strip()


class APITokenForm(StyledForm, forms.Form):
    name = forms.CharField(label=_("Name of the integration"), max_length=100)
    # The default lifetime is API_TOKEN_DAYS, read when the form is shown (so settings overrides apply).
    days = forms.IntegerField(
        label=_("Valid for (days)"), min_value=1, max_value=365, initial=lambda: settings.API_TOKEN_DAYS
    )
