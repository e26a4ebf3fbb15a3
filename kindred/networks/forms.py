"""Forms of the network pages: what a member organisation shares."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kindred.forms import StyledForm


class ShareTemplateForm(StyledForm, forms.Form):
    template = forms.TypedChoiceField(
        label=_("Programme to share"),
        coerce=int,
        error_messages={
            "required": _("Choose one of your organisation's programmes that is not shared yet."),
            "invalid_choice": _("Choose one of your organisation's programmes that is not shared yet."),
        },
    )

    def __init__(self, *args, templates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [("", _("Choose a programme")), *[(t.pk, t.name) for t in templates]]


class ShareItemForm(StyledForm, forms.Form):
    item = forms.TypedChoiceField(
        label=_("Information material to share"),
        coerce=int,
        error_messages={
            "required": _("Choose one of your organisation's items that is not shared yet."),
            "invalid_choice": _("Choose one of your organisation's items that is not shared yet."),
        },
    )

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", _("Choose an item")), *[(i.pk, i.title) for i in items]]
