"""The child sheet: versioned questions per organisation and language, answers checked against the version used."""

import copy

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import translation

from kindred.audit.models import AccessLog
from kindred.care.models import ChildSheet, ChildSheetTemplate
from kindred.care.services import current_template, save_child_sheet, sheet_for
from kindred.care.sheets import TITLES, default_sections, validate_sections
from kindred.care.tests.factories import patient_with_children

pytestmark = pytest.mark.django_db

DEFAULT_KEYS = {q["key"] for section in default_sections("nb") for q in section["questions"]}
NEW_SECTIONS = [{"key": "new", "title": "New", "questions": [{"key": "school_now", "text": "Which school?"}]}]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def family(world):
    episode, (kim, kari) = patient_with_children(world.actor(world.clinician), children=[("Kim", 8), ("Kari", 12)])
    return episode, kim, kari


def save(world, episode, child, *, answers=None, concern_level="none", who_informs="", user=None):
    return save_child_sheet(
        world.actor(user or world.clinician),
        episode,
        child,
        answers={"lives_where": "With the grandmother"} if answers is None else answers,
        concern_level=concern_level,
        who_informs=who_informs,
    )


def refused(*args, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        save(*args, **kwargs)
    return caught.value.message_dict


# --- Which questions ------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["nb", "da", "en"])
def test_current_template_seeds_the_default_for_the_language_once(world, language):
    template = current_template(world.unit, language)
    assert (template.organisation, template.language, template.version) == (None, language, 1)
    assert template.title == TITLES[language]
    assert template.sections == default_sections(language)
    assert current_template(world.unit, language) == template
    assert current_template(world.other, language) == template
    assert ChildSheetTemplate.objects.count() == 1


def test_each_language_gets_its_own_default(world):
    nb, da = current_template(world.unit, "nb"), current_template(world.unit, "da")
    assert nb != da
    assert (nb.title, da.title) == ("Barnearket", "Barneskemaet")
    assert nb.sections[0]["title"] == "A. Identifikasjon" and da.sections[0]["title"] == "A. Identifikation"


@pytest.mark.parametrize(("asked", "language"), [("de", "nb"), ("nb-no", "nb"), ("da-DK", "da"), ("", "en")])
def test_current_template_falls_back_to_a_known_language(world, asked, language):
    # An empty language means the active one, which the fixture sets to English.
    assert current_template(world.unit, asked).language == language


def test_the_organisations_newest_version_wins_over_the_default(world):
    current_template(world.unit, "nb")
    ChildSheetTemplate.objects.create(
        organisation=world.unit, language="nb", version=1, title="Ours", sections=NEW_SECTIONS
    )
    newest = ChildSheetTemplate.objects.create(
        organisation=world.unit, language="nb", version=2, title="Ours v2", sections=NEW_SECTIONS
    )
    assert current_template(world.unit, "nb") == newest
    assert current_template(world.other, "nb").organisation is None
    assert current_template(world.unit, "da").organisation is None


def test_sheet_keeps_its_version_after_a_new_version_is_added(world, family):
    episode, kim, kari = family
    sheet = save(world, episode, kim)
    original = sheet.template
    ours = ChildSheetTemplate.objects.create(
        organisation=world.unit, language="en", version=2, title="Ours", sections=NEW_SECTIONS
    )

    again = save(world, episode, kim, answers={"lives_where": "At home", "child_knows": "A little"})
    again.refresh_from_db()
    assert again.pk == sheet.pk
    assert again.template == original
    assert again.answers == {"lives_where": "At home", "child_knows": "A little"}
    assert sheet_for(world.actor(world.clinician), episode, kim).template == original
    # The new version's questions do not belong to the old sheet ...
    assert set(refused(world, episode, kim, answers={"school_now": "Solberg"})) == {"answers"}
    # ... but a new sheet is filled in with the new version.
    assert sheet_for(world.actor(world.clinician), episode, kari).template == ours
    assert save(world, episode, kari, answers={"school_now": "Solberg"}).template == ours


# --- Saving the sheet -----------------------------------------------------------------------


def test_save_child_sheet_stores_answers_concern_and_who_informs(world, family):
    episode, kim, _ = family
    sheet = save(
        world,
        episode,
        kim,
        concern_level="some",
        who_informs="child_welfare",
        answers={"lives_where": "  With the grandmother ", "child_knows": "   ", "impact": "Sleeps badly"},
    )
    sheet.refresh_from_db()
    assert sheet.answers == {"lives_where": "With the grandmother", "impact": "Sleeps badly"}
    assert (sheet.concern_level, sheet.who_informs, sheet.updated_by) == ("some", "child_welfare", world.clinician)
    assert (sheet.episode, sheet.child) == (episode, kim)
    row = AccessLog.objects.first()
    assert (row.action, row.object_type, row.subject) == ("create", "care.childsheet", kim)


def test_saving_again_changes_the_one_sheet(world, family):
    episode, kim, _ = family
    save(world, episode, kim)
    save(world, episode, kim, concern_level="serious")
    assert ChildSheet.objects.get().concern_level == "serious"
    assert AccessLog.objects.first().action == "change"


def test_every_default_question_can_be_answered(world, family):
    episode, kim, _ = family
    sheet = save(world, episode, kim, answers=dict.fromkeys(DEFAULT_KEYS, "yes"))
    assert set(sheet.answers) == DEFAULT_KEYS


def test_unknown_question_keys_are_refused(world, family):
    episode, kim, _ = family
    errors = refused(world, episode, kim, answers={"lives_where": "Home", "favourite_colour": "Blue"})
    assert errors == {"answers": ["The answers do not match the sheet's questions."]}
    assert not ChildSheet.objects.exists()


@pytest.mark.parametrize("value", [None, 5, ["a"], "x" * 5001])
def test_answers_must_be_text_of_at_most_5000_characters(world, family, value):
    episode, kim, _ = family
    errors = refused(world, episode, kim, answers={"lives_where": value})
    assert errors == {"answers": ["Each answer is text of at most 5000 characters."]}
    assert not ChildSheet.objects.exists()


def test_concern_level_and_who_informs_must_be_known_choices(world, family):
    episode, kim, _ = family
    errors = refused(world, episode, kim, concern_level="panic", who_informs="the_neighbour")
    assert errors == {
        "concern_level": ["Choose a concern level."],
        "who_informs": ["Choose who informs the child."],
    }
    assert not ChildSheet.objects.exists()
    assert not AccessLog.objects.filter(object_type="care.childsheet").exists()


def test_a_failed_save_leaves_the_saved_sheet_as_it_was(world, family):
    episode, kim, _ = family
    save(world, episode, kim, concern_level="some")
    before = copy.deepcopy(ChildSheet.objects.values().get())
    refused(world, episode, kim, answers={"nope": "x"}, concern_level="serious")
    assert ChildSheet.objects.values().get() == before


def test_a_child_not_of_this_episodes_patient_is_not_found(world, family):
    episode, _, _ = family
    _, (liv,) = patient_with_children(world.actor(world.clinician), given_name="Per", children=[("Liv", 4)])
    with pytest.raises(Http404):
        save(world, episode, liv)
    with pytest.raises(Http404):
        sheet_for(world.actor(world.clinician), episode, liv)
    with pytest.raises(Http404):
        save(world, episode, episode.patient)
    assert not ChildSheet.objects.exists()


@pytest.mark.parametrize("persona", ["group_leader", "analyst"])
def test_roles_without_case_work_cannot_save_a_sheet(world, family, persona):
    episode, kim, _ = family
    with pytest.raises(PermissionError):
        save(world, episode, kim, user=getattr(world, persona))
    assert not ChildSheet.objects.exists()


def test_sheet_for_a_new_child_is_unsaved(world, family):
    episode, kim, _ = family
    sheet = sheet_for(world.actor(world.clinician), episode, kim)
    assert sheet.pk is None
    assert sheet.template == current_template(world.unit)
    assert not ChildSheet.objects.exists()


# --- Editing the questions -------------------------------------------------------------------


@pytest.mark.parametrize("language", ["nb", "da", "en"])
def test_default_sections_are_valid(language):
    validate_sections(default_sections(language))


def q(key="lives_where", text="Where?"):
    return {"key": key, "text": text}


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        ([], "The sections must be a non-empty list."),
        ({"title": "A"}, "The sections must be a non-empty list."),
        (None, "The sections must be a non-empty list."),
        ([{"title": "A", "questions": [q()]}, {"title": " ", "questions": [q("b")]}], "Section 2 needs a title."),
        (["A"], "Section 1 needs a title."),
        ([{"title": "A", "questions": []}], "Section 1 needs at least one question."),
        ([{"title": "A"}], "Section 1 needs at least one question."),
        (
            [{"title": "A", "questions": [q("Bad Key")]}],
            "Section 1 has a question without a valid key (lower-case letters, digits, _).",
        ),
        (
            [{"title": "A", "questions": [q("1st")]}],
            "Section 1 has a question without a valid key (lower-case letters, digits, _).",
        ),
        (
            [{"title": "A", "questions": ["lives_where"]}],
            "Section 1 has a question without a valid key (lower-case letters, digits, _).",
        ),
        (
            [{"title": "A", "questions": [q()]}, {"title": "B", "questions": [q()]}],
            "The question key lives_where is used twice.",
        ),
        ([{"title": "A", "questions": [q(text="  ")]}], "The question lives_where needs a text."),
        ([{"title": "A", "questions": [{"key": "lives_where"}]}], "The question lives_where needs a text."),
    ],
)
def test_validate_sections_names_the_problem(sections, message):
    with pytest.raises(ValidationError) as caught:
        validate_sections(sections)
    assert caught.value.messages == [message]


def test_template_clean_uses_the_same_validation():
    template = ChildSheetTemplate(language="nb", version=9, title="Broken", sections=[{"title": "A", "questions": []}])
    with pytest.raises(ValidationError) as caught:
        template.clean()
    assert caught.value.messages == ["Section 1 needs at least one question."]
