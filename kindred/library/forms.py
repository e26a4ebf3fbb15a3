"""Forms of the information library: the public filters and the staff's item form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kindred.forms import StyledForm
from kindred.library.models import Audience, Item, Language, Topic
from kindred.library.services import ItemData

CHOOSE = _("Choose one of the answers in the list.")


class BrowseForm(StyledForm, forms.Form):
    """The public filters; every one optional, all sent with GET so the page works without JavaScript."""

    audience = forms.ChoiceField(
        label=_("Who is it for?"),
        required=False,
        choices=[("", _("Everyone")), *Audience.choices],
        error_messages={"invalid_choice": CHOOSE},
    )
    age = forms.IntegerField(
        label=_("Age of the child or young person (optional)"),
        required=False,
        min_value=0,
        max_value=25,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "ds-input k-short"}),
        error_messages={
            "invalid": _("Write the age as a number, like 9."),
            "min_value": _("Write an age from 0 to 25."),
            "max_value": _("Write an age from 0 to 25."),
        },
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("All languages")), *Language.choices],
        error_messages={"invalid_choice": CHOOSE},
    )
    topic = forms.ChoiceField(
        label=_("Topic"),
        required=False,
        choices=[("", _("All topics")), *Topic.choices],
        error_messages={"invalid_choice": CHOOSE},
    )

    def filters(self) -> dict:
        data = self.cleaned_data
        return {
            "audience": data["audience"],
            "age": data["age"],
            "language": data["language"],
            "topic": data["topic"],
        }


class ItemForm(StyledForm, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Item.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Who it is for and what it tells, in a few everyday sentences."),
    )
    url = forms.URLField(
        label=_("Link"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("Where the item can be read, watched or ordered."),
    )
    publisher = forms.CharField(
        label=_("Publisher"), required=False, max_length=200, help_text=_("Empty for your organisation.")
    )
    audiences = forms.MultipleChoiceField(
        label=_("Who is it for?"), choices=Audience.choices, widget=forms.CheckboxSelectMultiple
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=Language.choices, widget=forms.CheckboxSelectMultiple
    )
    topics = forms.MultipleChoiceField(
        label=_("Topics"), required=False, choices=Topic.choices, widget=forms.CheckboxSelectMultiple
    )
    public = forms.BooleanField(label=_("Show on the open information pages"), required=False, initial=True)

    @staticmethod
    def initial_for(item: Item) -> dict:
        return {
            "kind": item.kind,
            "title": item.title,
            "description": item.description,
            "url": item.url,
            "publisher": item.publisher,
            "public": item.public,
            "audiences": item.audience_values,
            "languages": item.language_values,
            "topics": item.topic_values,
        }

    def to_data(self) -> ItemData:
        return ItemData(**self.cleaned_data)


class HandoutField(forms.ModelMultipleChoiceField):
    """The library items handed out with a talk or information, labelled with their kind."""

    def __init__(self, queryset, **kwargs):
        super().__init__(
            queryset=queryset,
            required=False,
            label=_("Information material handed out"),
            help_text=_("Items from the information library suited to the child's age."),
            widget=forms.CheckboxSelectMultiple,
            error_messages={"invalid_choice": _("Choose items from the list."), "invalid_pk_value": CHOOSE},
            **kwargs,
        )

    def label_from_instance(self, obj: Item) -> str:
        return f"{obj.title} ({obj.get_kind_display()})"
