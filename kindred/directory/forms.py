"""Forms of the help directory: the public search and self-referral, and the staff's offers and inbox.

The self-referral form only parses what the browser sends (numbers, choices); every rule about what may be
sent lives in kindred.directory.services, so the same messages are shown whatever the channel."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kindred.directory import services
from kindred.directory.models import AUDIENCE_FIELDS, Audience, HelpOffer, Relation, SelfReferral
from kindred.forms import StyledForm
from kindred.orgs.models import Capability, Membership, Municipality, Organisation
from kindred.people.forms import DateInput
from kindred.people.services import PersonData

COUNTRY_OF_LANGUAGE = {"nb": Organisation.Country.NORWAY, "da": Organisation.Country.DENMARK}


def grouped_municipalities(rows, first_country: str = "") -> list[tuple[str, list[tuple[int, str]]]]:
    """Municipalities as <optgroup>s by region: the given country's regions first, each sorted by name."""
    countries = dict(Organisation.Country.choices)
    several = len({m.country for m in rows}) > 1
    groups: dict[tuple, list[tuple[int, str]]] = {}
    for m in sorted(rows, key=lambda m: (m.country != first_country, m.country, m.region, m.name)):
        label = m.region or str(countries.get(m.country, m.country))
        if several and m.region:
            label = f"{m.region} ({countries.get(m.country, m.country)})"
        groups.setdefault((m.country != first_country, m.country, label), []).append((m.pk, m.name))
    return [(key[2], options) for key, options in groups.items()]


# --- Public search -----------------------------------------------------------------------------------


class SearchForm(StyledForm, forms.Form):
    municipality = forms.TypedChoiceField(
        label=_("Where do you live?"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": _("We do not know that municipality. Choose one from the list.")},
    )
    audience = forms.ChoiceField(
        label=_("Who are you?"),
        required=False,
        choices=Audience.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose one of the answers in the list.")},
    )
    age = forms.IntegerField(
        label=_("Your age (optional)"),
        required=False,
        min_value=0,
        max_value=120,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "ds-input k-short"}),
        error_messages={
            "invalid": _("Write your age as a number, like 15."),
            "min_value": _("Write an age from 0 to 120."),
            "max_value": _("Write an age from 0 to 120."),
        },
    )

    def __init__(self, *args, municipalities, country: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.municipalities = {m.pk: m for m in municipalities}
        self.fields["municipality"].choices = [
            ("", _("The whole country")),
            *grouped_municipalities(municipalities, country),
        ]

    def chosen_municipality(self) -> Municipality | None:
        pk = self.cleaned_data.get("municipality")
        return self.municipalities.get(pk) if pk else None


# --- Public self-referral ------------------------------------------------------------------------------

YES, NO, SKIP = "yes", "no", "skip"
ANSWER_CHOICES = [(YES, _("Yes")), (NO, _("No")), (SKIP, _("I don't want to answer"))]
ANSWER_VALUES = {YES: True, NO: False, SKIP: None, "": None}

INTAKE_QUESTIONS = {
    "father_problem": _("Did your father have a problem with alcohol or drugs?"),
    "mother_problem": _("Did your mother have a problem with alcohol or drugs?"),
    "other_parent_problem": _("Did a step-parent or foster parent have a problem with alcohol or drugs?"),
    "years_affected": _("For about how many years of your childhood was it like this?"),
    "psychological_violence": _("Were you threatened, scared or put down at home (psychological violence)?"),
    "psychological_violence_years": _("For how many years?"),
    "physical_violence": _("Were you hit or hurt at home (physical violence)?"),
    "physical_violence_years": _("For how many years?"),
    "sexual_violation": _("Did anyone at home touch you sexually or do sexual things you did not want?"),
    "sexual_violation_years": _("For how many years?"),
    "suicide_threats": _("Did a parent threaten to take their own life?"),
    "suicide_attempt_witnessed": _("Did you see a parent try to take their own life?"),
    "parents_separated": _("Did your parents separate?"),
    "talked_to": _("Who have you talked to about it?"),
    "earlier_help": _("Have you had help with this before?"),
}
YEAR_FIELDS = ("years_affected", "psychological_violence_years", "physical_violence_years", "sexual_violation_years")
TALKED_TO_LABELS = {
    "nobody": _("Nobody"),
    "friend": _("A friend"),
    "family": _("Someone in my family"),
    "school": _("A teacher or someone else at school"),
    "health": _("A health nurse, doctor or psychologist"),
    "child_welfare": _("Child welfare services"),
}
HONEYPOT = "website"


class SelfReferralForm(StyledForm, forms.Form):
    help_wanted = forms.CharField(
        label=_("What would you like help with?"),
        required=False,
        strip=False,
        help_text=_("A few words are enough. You decide how much you tell."),
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": 2000}),
    )
    age = forms.IntegerField(
        label=_("How old are you?"),
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "ds-input k-short"}),
        error_messages={"invalid": _("Give your age in years, as a number from 6 to 120.")},
    )
    relation = forms.ChoiceField(
        label=_("Who has the problem with alcohol, drugs or gambling?"),
        required=False,
        choices=Relation.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose who has the problem.")},
    )
    name = forms.CharField(
        label=_("What should we call you? (optional)"),
        required=False,
        help_text=_("A first name or a nickname is fine."),
        widget=forms.TextInput(attrs={"maxlength": 100, "autocomplete": "given-name"}),
    )
    contact_method = forms.ChoiceField(
        label=_("How should we contact you?"),
        required=False,
        choices=SelfReferral.ContactMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose how we should contact you.")},
    )
    phone = forms.CharField(
        label=_("Phone number"),
        required=False,
        help_text=_("Needed if we should call you or send a text message."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "maxlength": 20}),
    )
    email = forms.CharField(
        label=_("E-mail address"),
        required=False,
        help_text=_("Needed if we should send you an e-mail."),
        widget=forms.TextInput(attrs={"type": "email", "autocomplete": "email", "maxlength": 254}),
    )
    safe_times = forms.CharField(
        label=_("When is it safe to contact you? (optional)"),
        required=False,
        help_text=_("For example: weekdays after 15, not at weekends."),
        widget=forms.TextInput(attrs={"maxlength": 200}),
    )
    may_leave_message = forms.BooleanField(label=_("You may leave a message if I do not answer"), required=False)
    consent = forms.BooleanField(required=False)
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off", "class": "ds-input"}),
    )

    def __init__(self, *args, offer: HelpOffer, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer = offer
        self.fields["consent"].label = gettext(
            "I agree that %(provider)s stores what I send and contacts me the way I chose."
        ) % {"provider": offer.provider}
        self.intake_names: list[str] = []
        if offer.youth_intake:
            for name, question in INTAKE_QUESTIONS.items():
                if name in YEAR_FIELDS:
                    field = forms.IntegerField(
                        label=question,
                        required=False,
                        widget=forms.NumberInput(
                            attrs={"inputmode": "numeric", "min": 0, "max": 30, "class": "ds-input k-short"}
                        ),
                        error_messages={"invalid": _("Give a number of years from 0 to 30.")},
                    )
                elif name == "talked_to":
                    field = forms.MultipleChoiceField(
                        label=question,
                        required=False,
                        choices=[(key, TALKED_TO_LABELS[key]) for key in services.TALKED_TO],
                        widget=forms.CheckboxSelectMultiple,
                        help_text=_("Choose all that fit."),
                        error_messages={"invalid_choice": _("Choose from the list.")},
                    )
                else:
                    field = forms.ChoiceField(
                        label=question,
                        required=False,
                        choices=ANSWER_CHOICES,
                        widget=forms.RadioSelect,
                        error_messages={"invalid_choice": _("Choose from the list.")},
                    )
                field.widget.attrs.setdefault("class", "ds-input")
                self.fields[name] = field
                self.intake_names.append(name)

    @property
    def main_fields(self):
        return [self[name] for name in ("help_wanted", "age", "relation", "name")]

    @property
    def contact_fields(self):
        return [self[name] for name in ("contact_method", "phone", "email", "safe_times", "may_leave_message")]

    @property
    def intake_fields(self):
        return [self[name] for name in self.intake_names]

    def is_spam(self) -> bool:
        return bool(self.data.get(HONEYPOT, "").strip())

    def _intake(self) -> services.IntakeData | None:
        if not self.intake_names:
            return None
        d = self.cleaned_data
        values = {}
        for name in self.intake_names:
            if name in YEAR_FIELDS or name == "talked_to":
                values[name] = d.get(name)
            else:
                values[name] = ANSWER_VALUES.get(d.get(name) or "")
        answered = any(d.get(name) not in (None, "", []) for name in self.intake_names)
        if not answered:
            return None  # the fieldset was left alone: no intake row, rather than one saying nothing
        values["talked_to"] = list(values.get("talked_to") or [])
        return services.IntakeData(**values)

    def to_data(self) -> services.SelfReferralData:
        """What was sent, as the service takes it; a field that did not parse is left empty."""
        d = self.cleaned_data
        return services.SelfReferralData(
            help_wanted=d.get("help_wanted") or "",
            age=d.get("age"),
            relation=d.get("relation") or "",
            contact_method=d.get("contact_method") or "",
            consent=bool(d.get("consent")),
            name=d.get("name") or "",
            phone=d.get("phone") or "",
            email=d.get("email") or "",
            safe_times=d.get("safe_times") or "",
            may_leave_message=bool(d.get("may_leave_message")),
            intake=self._intake(),
        )

    def check(self) -> bool:
        """Parse the form and add the service's messages to the fields that parsed; True when it can be sent."""
        self.is_valid()
        for name, message in services.clean_self_referral(self.offer, self.to_data()).items():
            if name not in self.errors:
                self.add_error(name if name in self.fields else None, message)
        return not self.errors


# --- Staff: offers --------------------------------------------------------------------------------------


class OfferForm(StyledForm, forms.Form):
    name = forms.CharField(label=_("Name of the offer"), max_length=200)
    provider = forms.CharField(
        label=_("Provider"),
        max_length=200,
        required=False,
        help_text=_("Who gives the help. Leave empty to use the organisation's name."),
    )
    summary = forms.CharField(
        label=_("Summary"), max_length=300, help_text=_("One or two plain sentences shown in the search results.")
    )
    description = forms.CharField(
        label=_("Description"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    audiences = forms.MultipleChoiceField(
        label=_("Who is the offer for?"), choices=Audience.choices, widget=forms.CheckboxSelectMultiple
    )
    min_age = forms.IntegerField(label=_("Youngest age"), required=False, min_value=0, max_value=120)
    max_age = forms.IntegerField(label=_("Oldest age"), required=False, min_value=0, max_value=120)
    nationwide = forms.BooleanField(label=_("For the whole country"), required=False)
    municipalities = forms.TypedMultipleChoiceField(
        label=_("Municipalities served"),
        coerce=int,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 12}),
        help_text=_("Choose one or more. Not needed if the offer is for the whole country."),
    )
    languages = forms.CharField(
        label=_("Languages"), max_length=200, required=False, help_text=_("For example: norsk, engelsk, arabisk.")
    )
    free = forms.BooleanField(label=_("Free of charge"), required=False, initial=True)
    referral_needed = forms.BooleanField(label=_("Referral needed"), required=False)
    accepts_self_referral = forms.BooleanField(
        label=_("Accepts requests through Kindred (self-referral)"), required=False
    )
    youth_intake = forms.BooleanField(
        label=_("Ask the intake questions for young people who grew up with substance problems"), required=False
    )
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    web = forms.URLField(label=_("Web address"), required=False, assume_scheme="https")
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    opening_hours = forms.CharField(label=_("Opening hours"), max_length=200, required=False)
    active = forms.BooleanField(label=_("Shown in the directory"), required=False, initial=True)

    def __init__(self, *args, country: str, **kwargs):
        super().__init__(*args, **kwargs)
        rows = list(services.municipalities(country).only("id", "country", "name", "region"))
        self.fields["municipalities"].choices = grouped_municipalities(rows, country)

    @classmethod
    def initial_for(cls, offer: HelpOffer) -> dict:
        initial = {name: getattr(offer, name) for name in services.OFFER_FIELDS}
        initial["audiences"] = offer.audiences()
        initial["municipalities"] = list(offer.municipalities.values_list("pk", flat=True))
        return initial

    def to_data(self) -> tuple[dict, list[int]]:
        d = self.cleaned_data
        data = {name: d[name] for name in services.OFFER_FIELDS if name in d}
        for audience, field in AUDIENCE_FIELDS.items():
            data[field] = audience in d["audiences"]
        return data, list(d["municipalities"])


# --- Staff: the inbox -----------------------------------------------------------------------------------


def assignee_choices(organisation) -> list[tuple[int, str]]:
    seen: dict[int, str] = {}
    for membership in Membership.objects.filter(organisation=organisation).select_related("user"):
        if membership.can(Capability.VIEW_PERSONAL_DATA) and membership.user.is_active:
            seen.setdefault(membership.user_id, membership.user.full_name or membership.user.email)
    return sorted(seen.items(), key=lambda item: item[1].lower())


class AssignForm(StyledForm, forms.Form):
    assigned_to = forms.TypedChoiceField(
        label=_("Assign to"), coerce=int, error_messages={"required": _("Choose who will follow up.")}
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].choices = [("", _("Choose a person")), *assignee_choices(organisation)]


class CloseForm(StyledForm, forms.Form):
    close_reason = forms.ChoiceField(
        label=_("Why is it closed?"),
        choices=[("", _("Choose a reason")), *SelfReferral.CloseReason.choices],
        error_messages={"required": _("Choose why the self-referral is closed.")},
    )
    close_note = forms.CharField(
        label=_("Note"),
        max_length=500,
        required=False,
        help_text=_("Needed when the reason is “Other”."),
    )


class EnrolForm(StyledForm, forms.Form):
    run = forms.TypedChoiceField(
        label=_("Programme run"), coerce=int, error_messages={"required": _("Choose a programme run.")}
    )

    def __init__(self, *args, runs, **kwargs):
        super().__init__(*args, **kwargs)
        self.runs = {run.pk: run for run in runs}
        self.fields["run"].choices = [
            ("", _("Choose a run")),
            *[(run.pk, f"{run.title} · {run.template.name} · {run.starts_on:%d.%m.%Y}") for run in runs],
        ]

    def chosen_run(self):
        return self.runs[self.cleaned_data["run"]]


class ClientForm(StyledForm, forms.Form):
    given_name = forms.CharField(label=_("Given name"), max_length=100)
    family_name = forms.CharField(label=_("Family name"), max_length=100)
    national_id = forms.CharField(
        label=_("National id (fødselsnummer, D-number or CPR)"), max_length=14, required=False
    )
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DateInput)

    def to_data(self) -> PersonData:
        d = self.cleaned_data
        return PersonData(
            given_name=d["given_name"].strip(),
            family_name=d["family_name"].strip(),
            national_id=d["national_id"].strip(),
            birth_date=d["birth_date"],
        )
