"""Shared form behaviour: Designsystemet classes and accessible error links on every widget."""

from __future__ import annotations

from django import forms


class StyledForm:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput, forms.RadioSelect, forms.CheckboxSelectMultiple)):
                widget.attrs.setdefault("class", "ds-checkbox")
            else:
                widget.attrs.setdefault("class", "ds-input")
            if self.is_bound and self.errors.get(name):
                widget.attrs["aria-invalid"] = "true"
                widget.attrs["aria-describedby"] = f"{self[name].auto_id}_error"
