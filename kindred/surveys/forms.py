from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kindred.forms import StyledForm
from kindred.instruments.models import Instrument
from kindred.instruments.services import parsed_definition
from kindred.surveys import services
from kindred.surveys.models import Campaign


def parse_background_questions(text: str) -> list[dict]:
    """One question per line, "key: Label | option 1, option 2"; blank lines are skipped."""
    questions = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        head, bar, tail = line.partition("|")
        key, colon, label = head.partition(":")
        if not bar or not colon:
            raise ValidationError(
                _('Line %(n)s: write the question as "key: Label | option 1, option 2".'), params={"n": number}
            )
        options = [o.strip() for o in tail.split(",") if o.strip()]
        questions.append({"key": key.strip().lower(), "label": label.strip(), "options": options})
    return questions


def format_background_questions(questions: list[dict]) -> str:
    return "\n".join(f"{q['key']}: {q['label']} | {', '.join(q['options'])}" for q in questions)


class CampaignForm(StyledForm, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Introduction for respondents"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown before the questions: why you ask, and who sees the results."),
    )
    instruments = forms.TypedMultipleChoiceField(
        label=_("Instruments"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    background_questions = forms.CharField(
        label=_("Background questions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            'Optional. One question per line: "key: Label | option 1, option 2", for example '
            '"age: Age group | 13-15, 16-18, 19-25". The key uses small letters a-z, digits and _. '
            "Respondents may leave them unanswered."
        ),
    )
    access = forms.ChoiceField(
        label=_("Who can answer"), choices=Campaign.Access.choices, widget=forms.RadioSelect, initial="link"
    )
    threshold = forms.IntegerField(
        label=_("Smallest number shown in the report"),
        min_value=1,
        max_value=services.MAX_THRESHOLD,
        help_text=_("Counts below this are hidden, and so is whatever would let them be worked out."),
    )

    def __init__(self, *args, instruments: list[Instrument], language: str = "nb", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instruments"].choices = [(i.pk, parsed_definition(i).title.get(language)) for i in instruments]
        self.fields["threshold"].initial = settings.STATS_SUPPRESSION_THRESHOLD

    def clean_background_questions(self) -> list[dict]:
        questions = parse_background_questions(self.cleaned_data["background_questions"])
        try:
            return services.clean_background_questions(questions)
        except ValidationError as error:
            raise ValidationError(error.messages) from None

    def to_data(self) -> dict:
        d = self.cleaned_data
        return {
            "title": d["title"],
            "description": d["description"],
            "instrument_ids": d["instruments"],
            "background_questions": d["background_questions"],
            "access": d["access"],
            "threshold": d["threshold"],
        }


class CodesForm(StyledForm, forms.Form):
    count = forms.IntegerField(label=_("Number of codes"), min_value=1, max_value=services.MAX_CODES, initial=30)


class CodeForm(StyledForm, forms.Form):
    code = forms.CharField(
        label=_("Your code"), max_length=40, error_messages={"required": _("Type the code you were given.")}
    )


class QuestionnaireForm(StyledForm, forms.Form):
    """The background questions, then every item of every instrument of the campaign."""

    access_code = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, campaign: Campaign, instruments: list[Instrument], language: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.instruments = instruments
        self.background_names = []
        for question in campaign.background_questions:
            name = services.background_field(question["key"])
            self.fields[name] = forms.ChoiceField(
                label=question["label"],
                required=False,
                choices=[(o, o) for o in question["options"]],
                widget=forms.RadioSelect,
                help_text=_("You may leave this out."),
            )
            self.background_names.append(name)
        if services.asks_sex(instruments):
            self.fields["sex"] = forms.ChoiceField(
                label=_("Sex"),
                required=False,
                choices=[("female", _("Female")), ("male", _("Male"))],
                widget=forms.RadioSelect,
                help_text=_("Only used to pick the right cut-off for you. You may leave this out."),
            )
            self.background_names.append("sex")
        self.sections = []
        for instrument in instruments:
            definition = parsed_definition(instrument)
            names = []
            for item in definition.items:
                name = services.item_field(instrument, item.key)
                self.fields[name] = forms.ChoiceField(
                    label=item.text.get(language),
                    required=item.required,
                    choices=[(str(o.value), o.label.get(language)) for o in definition.options_of(item)],
                    widget=forms.RadioSelect,
                    error_messages={"required": _("Answer this question.")},
                )
                names.append(name)
            self.sections.append(
                {
                    "instrument": instrument,
                    "title": definition.title.get(language),
                    "description": definition.description.get(language),
                    "names": names,
                }
            )

    @property
    def background_fields(self):
        return [self[name] for name in self.background_names]

    @property
    def instrument_sections(self):
        return [{**s, "fields": [self[name] for name in s["names"]]} for s in self.sections]

    def answers(self) -> dict[int, dict[str, str]]:
        d = self.cleaned_data
        result = {}
        for instrument in self.instruments:
            definition = parsed_definition(instrument)
            raw = {item.key: d.get(services.item_field(instrument, item.key)) for item in definition.items}
            result[instrument.pk] = {k: v for k, v in raw.items() if v not in (None, "")}
        return result

    def background(self) -> dict[str, str]:
        return {
            q["key"]: self.cleaned_data.get(services.background_field(q["key"])) or ""
            for q in self.campaign.background_questions
        }
