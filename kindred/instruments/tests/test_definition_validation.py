"""Broken definitions are refused with a DefinitionError that names the file, the place and the problem."""

from __future__ import annotations

import json

import pytest

from kindred.instruments.loader import load_definition_dir, load_definition_file
from kindred.instruments.schema import DefinitionError, parse_definition

TEXT = {"nb": "Tekst", "da": "Tekst", "en": "Text"}


def valid() -> dict:
    """A small definition that passes: two items (an option set and inline options), one score, two zones."""
    # Through JSON rather than deepcopy, so that the texts are separate dicts as they would be in a file.
    return json.loads(
        json.dumps(
            {
                "key": "mini",
                "version": 1,
                "title": TEXT,
                "description": TEXT,
                "source": "Kindred tests, own questions",
                "audience": "both",
                "option_sets": {"no_yes": [{"value": 0, "label": TEXT}, {"value": 1, "label": TEXT}]},
                "items": [
                    {"key": "q1", "text": TEXT, "options": "no_yes"},
                    {"key": "q2", "text": TEXT, "options": [{"value": 0, "label": TEXT}, {"value": 2, "label": TEXT}]},
                ],
                "scores": [{"key": "total", "label": TEXT, "items": ["q1", "q2"]}],
                "primary_score": "total",
                "zones": [
                    {"key": "low", "score": "total", "min": 0, "max": 1, "label": TEXT, "feedback": TEXT},
                    {"key": "high", "score": "total", "min": 2, "max": 3, "label": TEXT, "feedback": TEXT, "level": 2},
                ],
            }
        )
    )


def test_the_valid_definition_parses():
    definition = parse_definition(valid(), origin="mini.json")
    assert definition.max_score("total") == 3
    assert [z.key for z in definition.zones] == ["low", "high"]


def test_zones_for_different_conditions_may_cover_the_same_scores():
    data = valid()
    data["zones"] += [
        {"key": "low", "score": "total", "min": 0, "max": 2, "when": {"sex": "male"}, "label": TEXT, "feedback": TEXT},
        {"key": "high", "score": "total", "min": 3, "max": 3, "when": {"sex": "male"}, "label": TEXT, "feedback": TEXT},
    ]
    assert len(parse_definition(data).zones) == 4


def _set(path: str, value):
    """A change that sets data[a][b]... to value; path parts are keys or list indexes."""

    def change(data):
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        target = data
        for part in parents:
            target = target[part]
        target[last] = value

    return change


def _delete(path: str):
    def change(data):
        *parents, last = path.split(".")
        target = data
        for part in parents:
            target = target[int(part) if part.isdigit() else part]
        del target[last]

    return change


def _append(path: str, value):
    def change(data):
        target = data
        for part in path.split("."):
            target = target[int(part) if part.isdigit() else part]
        target.append(value)

    return change


BROKEN = [
    ("missing title language", _delete("title.da"), "title.da: Field required"),
    ("empty description text", _set("description.en", ""), "description.en: String should have at least 1 character"),
    ("duplicate item key", _set("items.1.key", "q1"), "the item 'q1' is defined twice"),
    ("duplicate score key", _append("scores", {"key": "total", "label": TEXT, "items": ["q1"]}), "the score 'total'"),
    ("score sums an unknown item", _append("scores.0.items", "q9"), "sums the item 'q9', which does not exist"),
    ("score sums an item twice", _append("scores.0.items", "q1"), "score 'total' sums the item 'q1' twice"),
    ("zone above the max score", _set("zones.1.max", 4), "zone 'high' goes to 4, above the highest possible total"),
    ("zone min above max", _set("zones.0.min", 2), "zone 'low' has min 2 above max 1"),
    ("overlapping zones", _set("zones.1.min", 1), "zones 'low' and 'high' overlap (0-1 and 1-3)"),
    ("zone for an unknown score", _set("zones.0.score", "sub"), "is for the score 'sub', which does not exist"),
    ("unknown option set", _set("items.0.options", "scale"), "uses the option set 'scale', which is not defined"),
    ("item without options", _set("items.1.options", []), "item 'q2' has no response options"),
    ("duplicate option value", _set("items.1.options.1.value", 0), "option value of item 'q2' '0' is defined twice"),
    (
        "negative option value",
        _set("items.1.options.1.value", -1),
        "items.1.options.list.1.value: Input should be greater than or equal to 0",
    ),
    ("options neither set nor list", _set("items.1.options", 5), "items.1.options.list: Input should be a valid list"),
    ("primary score not a score", _set("primary_score", "sum"), "primary_score 'sum' is not one of the scores"),
    ("primary score missing", _delete("primary_score"), "primary_score: Field required"),
    ("bad key pattern", _set("key", "Mini-Test"), "key: String should match pattern"),
    ("bad item key pattern", _set("items.0.key", "1q"), "items.0.key: String should match pattern"),
    ("extra unknown field", _set("colour", "red"), "colour: Extra inputs are not permitted"),
    ("extra field in an item", _set("items.0.hint", "x"), "items.0.hint: Extra inputs are not permitted"),
    ("extra language", _set("title.sv", "Text"), "title.sv: Extra inputs are not permitted"),
    ("version 0", _set("version", 0), "version: Input should be greater than or equal to 1"),
    ("unknown audience", _set("audience", "everyone"), "audience: Input should be 'staff', 'public' or 'both'"),
    ("unknown sex in a condition", _set("zones.0.when", {"sex": "other"}), "zones.0.when.sex: Input should be"),
    ("level above 3", _set("zones.1.level", 4), "zones.1.level: Input should be less than or equal to 3"),
    ("no items", _set("items", []), "items: List should have at least 1 item"),
    ("no scores", _set("scores", []), "scores: List should have at least 1 item"),
    ("source too short", _set("source", ""), "source: String should have at least 3 characters"),
]


@pytest.mark.parametrize(("change", "fragment"), [pytest.param(c, f, id=name) for name, c, f in BROKEN])
def test_broken_definitions_are_refused_naming_the_problem(change, fragment):
    data = valid()
    change(data)
    with pytest.raises(DefinitionError) as caught:
        parse_definition(data, origin="mini.json")
    message = str(caught.value)
    assert message.startswith("mini.json: ")
    assert fragment in message


def test_a_definition_that_is_not_an_object_is_refused():
    with pytest.raises(DefinitionError, match=r"^list\.json: the top level: Input should be a valid dictionary"):
        parse_definition([1, 2], origin="list.json")


# ---------------------------------------------------------------- files and folders


def write(path, data) -> None:
    path.write_text(json.dumps(data), encoding="utf-8")


def test_a_folder_of_good_files_loads_by_key(tmp_path):
    write(tmp_path / "mini.json", valid())
    other = valid() | {"key": "other"}
    write(tmp_path / "other.json", other)
    (tmp_path / "notes.txt").write_text("not a definition")
    assert sorted(load_definition_dir(tmp_path)) == ["mini", "other"]


def test_invalid_json_is_refused_naming_the_file_and_line(tmp_path):
    path = tmp_path / "mini.json"
    path.write_text('{"key": "mini",\n  "version": 1,,\n}', encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"^mini\.json: not valid JSON: .* \(line 2, column"):
        load_definition_file(path)


def test_a_key_that_does_not_match_the_file_name_is_refused(tmp_path):
    write(tmp_path / "other.json", valid())
    with pytest.raises(DefinitionError, match=r"^other\.json: key: 'mini' does not match the file name 'other'"):
        load_definition_file(tmp_path / "other.json")


def test_one_broken_file_stops_the_folder_naming_that_file(tmp_path):
    write(tmp_path / "mini.json", valid())
    broken = valid() | {"key": "broken", "primary_score": "sum"}
    write(tmp_path / "broken.json", broken)
    with pytest.raises(DefinitionError) as caught:
        load_definition_dir(tmp_path)
    assert str(caught.value) == "broken.json: the top level: primary_score 'sum' is not one of the scores"
