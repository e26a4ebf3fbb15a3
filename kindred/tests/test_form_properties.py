"""Property tests for the validation of every Django form in Kindred: whatever is posted, validation answers.

Every form class in every `kindred.<app>.forms` module is found by walking the installed apps (a new form is
tested without being listed here). Hypothesis posts arbitrary values for the form's fields — text with control
characters and NULs, huge and negative numbers, HTML, SQL fragments, several values for one field, nothing at
all — and files of arbitrary bytes. The properties: `is_valid()` never raises, an invalid form names its errors,
and a valid one has cleaned data. A form whose constructor needs more than data says so in FACTORIES.
"""

from __future__ import annotations

import importlib
import inspect

import pytest
from django import forms
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.datastructures import MultiValueDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kindred.testing import World


def _form_classes() -> dict[str, type[forms.BaseForm]]:
    found = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("kindred."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.forms")
        except ModuleNotFoundError:
            continue
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, forms.BaseForm) and value.__module__ == module.__name__:
                found[f"{module.__name__}.{name}"] = value
    return found


FORMS = _form_classes()


def _instruments(world: World):
    from kindred.instruments.services import instruments_for

    return instruments_for(world.actor(world.analyst))


def _definition(world: World):
    from kindred.instruments.services import instruments_for, parsed_definition

    return parsed_definition(next(i for i in instruments_for(world.actor(world.clinician)) if i.key == "audit"))


def _campaign(world: World):
    from kindred.surveys.tests.factories import campaign

    return campaign(world.actor(world.analyst))


def _retention(world: World) -> dict:
    from kindred.retention import services

    return {"inherited": services.inherited_rules(world.unit), "current": services.effective_rules(world.unit)}


def _sheet_template(world: World):
    from kindred.care.services import current_template

    return current_template(world.unit)


# Forms whose constructor needs more than the posted data: what the views pass, built from the test world.
FACTORIES = {
    "kindred.care.forms.EpisodeForm": lambda w: {"organisation": w.unit},
    "kindred.care.forms.RelativeIntakeForm": lambda w: {"organisation": w.unit},
    "kindred.care.forms.TaskForm": lambda w: {"organisation": w.unit},
    "kindred.care.forms.ChildSheetForm": lambda w: {"template": _sheet_template(w)},
    "kindred.referrals.forms.ReferralForm": lambda w: {"organisation": w.unit},
    "kindred.referrals.forms.ConsultationForm": lambda w: {"organisation": w.unit, "anonymous": False},
    "kindred.referrals.forms.ReferralActionForm": lambda w: {"can_decline": True},
    "kindred.instruments.forms.ItemsForm": lambda w: {"definition": _definition(w), "language": "nb"},
    "kindred.instruments.forms.SelfTestOptionsForm": lambda w: {"ask_sex": True},
    "kindred.surveys.forms.CampaignForm": lambda w: {"instruments": _instruments(w)},
    "kindred.surveys.forms.QuestionnaireForm": lambda w: {
        "campaign": (made := _campaign(w)),
        "instruments": list(made.instruments.all()),
        "language": "nb",
    },
    "kindred.directory.forms.SearchForm": lambda w: {"municipalities": _municipalities(), "country": "NO"},
    "kindred.directory.forms.SelfReferralForm": lambda w: {"offer": _offer(w)},
    "kindred.directory.forms.OfferForm": lambda w: {"country": "NO"},
    "kindred.directory.forms.AssignForm": lambda w: {"organisation": w.unit},
    "kindred.directory.forms.EnrolForm": lambda w: {"runs": []},
    "kindred.programs.forms.RunForm": lambda w: {"organisation": w.unit},
    "kindred.programs.forms.RunEditForm": lambda w: {"organisation": w.unit},
    "kindred.forums.forms.SeriesForm": lambda w: {"networks": []},
    "kindred.competence.forms.EnrolStaffForm": lambda w: {"staff": [w.child_responsible]},
    "kindred.retention.forms.RulesForm": _retention,
}


def _municipalities():
    from kindred.programs.tests.factories import municipality

    return [municipality()]


def _offer(world: World):
    from kindred.programs.tests.factories import municipality, offer

    return offer(world.unit, municipalities=[municipality()], youth_intake=True)


HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "'; DROP TABLE people_person; --",
    "9" * 40,
    "-1",
    "0",
    "1e308",
    "NaN",
    "2024-02-30",
    "9999-12-31",
    "0000-00-00",
    "25:61",
    "\u202e\u200b",
    "x" * 5000,
    "on",
    "true",
]
VALUES = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=200),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.dates().map(str),
)
FILES = st.binary(max_size=2000).map(lambda content: SimpleUploadedFile("upload.csv", content))


@st.composite
def _posts(draw, field_names: list[str], file_fields: list[str]):
    data = MultiValueDict()
    for name in field_names:
        values = draw(st.lists(VALUES, max_size=3))  # none: the field is missing; several: a repeated field
        if values:
            data.setlist(name, values)
    files = MultiValueDict()
    for name in file_fields:
        if draw(st.booleans()):
            files[name] = draw(FILES)
    return data, files


def _bound(path: str, world: World, data, files):
    cls = FORMS[path]
    kwargs = FACTORIES[path](world) if path in FACTORIES else {}
    try:
        return cls(data=data, files=files, **kwargs)
    except TypeError as error:
        pytest.fail(f"{path} needs constructor arguments ({error}): add a factory for it to FACTORIES in {__name__}")


@pytest.mark.parametrize("path", sorted(FORMS))
def test_validation_answers_any_input_with_errors_not_exceptions(path, world):
    unbound = _bound(path, world, None, None)
    names = list(unbound.fields)
    file_fields = [n for n, f in unbound.fields.items() if isinstance(f, forms.FileField)]

    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(_posts(names, file_fields))
    def check(post):
        data, files = post
        form = _bound(path, world, data, files)
        if form.is_valid():
            assert isinstance(form.cleaned_data, dict)
        else:
            assert form.errors, f"{path}: invalid without saying why"
            for messages in form.errors.values():
                assert all(str(message).strip() for message in messages), f"{path}: an empty error message"

    check()


def test_every_form_is_found():
    """The walk finds the forms of the apps (a broken walk would test nothing)."""
    assert "kindred.directory.forms.SelfReferralForm" in FORMS and len(FORMS) > 40
