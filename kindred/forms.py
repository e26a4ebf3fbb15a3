"""Shared form behaviour: Designsystemet classes and accessible error links on every widget."""

from __future__ import annotations

from django import forms


class StyledForm:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            widget.attrs.setdefault("class", "ds-input")

    def full_clean(self):
        # After validation (never in __init__: subclasses set choices after super().__init__).
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["aria-invalid"] = "true"
                widget.attrs["aria-describedby"] = f"{self[name].auto_id}_error"


def apply_errors(form: forms.Form, error) -> None:
    """Put a service's ValidationError on the form: on the named field if the form has it, else on top."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            for message in messages:
                form.add_error(name if name in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)
