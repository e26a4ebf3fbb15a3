"""The statistics filter: which whole months. (The scope is carried along as a hidden field and chosen by
drilling down; kindred.reports.scopes.resolve checks it.)"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kindred.forms import StyledForm
from kindred.reports.scopes import Period


class MonthInput(forms.TextInput):
    input_type = "month"


class PeriodForm(StyledForm, forms.Form):
    """GET form. `period` is the chosen period when the form is valid, otherwise the default one, so a page
    always has figures to show next to the message about what was wrong."""

    from_month = forms.CharField(
        label=_("From month"),
        required=False,
        widget=MonthInput(attrs={"placeholder": "YYYY-MM", "pattern": r"\d{4}-\d{2}", "data-testid": "from-month"}),
    )
    to_month = forms.CharField(
        label=_("To month"),
        required=False,
        widget=MonthInput(attrs={"placeholder": "YYYY-MM", "pattern": r"\d{4}-\d{2}", "data-testid": "to-month"}),
    )

    def __init__(self, data=None, *, default: Period | None = None, **kwargs):
        self.default = default or Period.default()
        if data is not None and not (data.get("from_month") or data.get("to_month")):
            data = None  # nothing chosen yet: show the default period, without errors
        initial = {"from_month": self.default.first_month, "to_month": self.default.last_month}
        super().__init__(data, initial=initial, **kwargs)
        self.period = self.default

    def clean(self):
        cleaned = super().clean()
        first = (cleaned.get("from_month") or self.default.first_month).strip()
        last = (cleaned.get("to_month") or self.default.last_month).strip()
        valid = True
        for name, value in (("from_month", first), ("to_month", last)):
            try:
                Period.months(value, value)
            except ValidationError as error:
                self.add_error(name, error.messages[0])
                valid = False
        if valid:
            try:
                self.period = Period.months(first, last)
            except ValidationError as error:
                self.add_error("to_month", error.messages[0])
        return cleaned

    @property
    def chosen(self) -> Period:
        """The period to show: the chosen one, or the default one when nothing (valid) was chosen."""
        if self.is_bound:
            self.is_valid()
        return self.period
