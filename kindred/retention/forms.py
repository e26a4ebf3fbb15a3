from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kindred.forms import StyledForm
from kindred.retention.models import MAXIMUM_MONTHS, MINIMUM_MONTHS, RecordType
from kindred.retention.services import INHERIT, Effective

KEEP = "keep"
MONTHS = "months"


class RulesForm(StyledForm, forms.Form):
    """The organisation's own retention rules: per kind of record, the default, a number of months, or keep."""

    def __init__(self, *args, inherited: dict[str, Effective], current: dict[str, Effective], **kwargs):
        initial = {}
        for record_type, rule in current.items():
            if rule.source != "organisation":
                initial[f"{record_type}_mode"] = INHERIT
            elif rule.keeps:
                initial[f"{record_type}_mode"] = KEEP
            else:
                initial[f"{record_type}_mode"] = MONTHS
                initial[f"{record_type}_months"] = rule.months
        super().__init__(*args, initial=initial, **kwargs)
        for record_type, label in RecordType.choices:
            fallback = inherited[record_type]
            default = (
                _("Use the default: kept until a period is set")
                if fallback.keeps
                else _("Use the default: %(months)s months") % {"months": fallback.months}
            )
            self.fields[f"{record_type}_mode"] = forms.ChoiceField(
                label=label,
                choices=[
                    (INHERIT, default),
                    (MONTHS, _("Keep for a number of months")),
                    (KEEP, _("Keep until changed")),
                ],
                widget=forms.RadioSelect,
            )
            minimum = MINIMUM_MONTHS[record_type]
            self.fields[f"{record_type}_months"] = forms.IntegerField(
                label=_("%(kind)s: months") % {"kind": label},
                required=False,
                min_value=minimum,
                max_value=MAXIMUM_MONTHS,
                help_text=_("At least %(minimum)s months.") % {"minimum": minimum},
            )

    def clean(self):
        data = super().clean()
        for record_type in RecordType.values:
            months = f"{record_type}_months"
            if data.get(f"{record_type}_mode") == MONTHS and data.get(months) is None and months not in self.errors:
                self.add_error(f"{record_type}_months", _("Write the number of months."))
        return data

    def choices(self) -> dict[str, int | str | None]:
        """What to pass to services.set_rules."""
        result: dict[str, int | str | None] = {}
        for record_type in RecordType.values:
            mode = self.cleaned_data[f"{record_type}_mode"]
            if mode == MONTHS:
                result[record_type] = self.cleaned_data[f"{record_type}_months"]
            elif mode == KEEP:
                result[record_type] = None
            else:
                result[record_type] = INHERIT
        return result

    def rows(self):
        """(record type, mode field, months field) per kind of record, for the template."""
        return [(value, self[f"{value}_mode"], self[f"{value}_months"]) for value in RecordType.values]
