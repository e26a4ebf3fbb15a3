from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kindred.forms import StyledForm
from kindred.instruments.schema import Definition


def depends_on_sex(definition: Definition) -> bool:
    """Whether some cut-off differs for women and men (then a self-test asks; staff use the person's sex)."""
    return any(z.when is not None and z.when.sex is not None for z in definition.zones)


class ItemsForm(StyledForm, forms.Form):
    """One radio group per item, labelled in the active language.

    The fields accept any text: the engine checks the answers, so staff pages, self-tests and the API give the
    same message for the same mistake."""

    def __init__(self, *args, definition: Definition, language: str, **kwargs):
        kwargs.setdefault("prefix", "item")
        super().__init__(*args, **kwargs)
        self.definition = definition
        for number, item in enumerate(definition.items, start=1):
            choices = [(str(o.value), o.label.get(language)) for o in definition.options_of(item)]
            self.fields[item.key] = forms.CharField(
                label=f"{number}. {item.text.get(language)}",
                required=False,
                help_text="" if item.required else _("You may leave this question out."),
                widget=forms.RadioSelect(choices=choices, attrs={"class": "ds-input"}),
            )

    def answers(self) -> dict[str, str]:
        """The raw answers for the engine; unanswered items are left out."""
        return {key: value for key, value in self.cleaned_data.items() if value != ""}


class SelfTestOptionsForm(StyledForm, forms.Form):
    sex = forms.ChoiceField(
        label=_("Are you a woman or a man?"),
        choices=[("female", _("Woman")), ("male", _("Man")), ("", _("I do not want to say"))],
        required=False,
        widget=forms.RadioSelect,
        help_text=_("Some limits in this test differ for women and men. If you do not say, the general limit is used."),
    )
    keep = forms.BooleanField(label=_("You may keep my answers anonymously for statistics"), required=False)

    def __init__(self, *args, ask_sex: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not ask_sex:
            del self.fields["sex"]


class UploadForm(StyledForm, forms.Form):
    file = forms.FileField(
        label=_("Instrument definition (JSON file)"),
        help_text=_("The file is checked like the built-in instruments; nothing is saved if it has a mistake."),
        widget=forms.FileInput(attrs={"accept": ".json,application/json"}),
    )
