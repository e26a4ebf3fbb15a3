"""The built-in instruments: every file loads, every zone boundary scores right, and the published cut-offs hold."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from kindred.instruments.engine import Context, score
from kindred.instruments.loader import BUILTIN_DIR, builtin_definitions, load_definition_file
from kindred.instruments.schema import Definition, Zone

BUILTIN_KEYS = {
    "audit",
    "audit_c",
    "audit_c_pregnancy",
    "cast6",
    "coping_questionnaire",
    "family_member_impact",
    "feelings_thermometer",
    "pgsi",
    "relatives_self_check",
    "symptom_rating",
    "tweak",
}
# Licensed or unverified item texts ship as placeholders for the organisation to fill in.
PLACEHOLDER_INSTRUMENTS = {"cast6", "coping_questionnaire", "family_member_impact", "symptom_rating"}
PLACEHOLDER_PREFIX = {"nb": "[Plassholder:", "da": "[Pladsholder:", "en": "[Placeholder:"}


def definition(key: str) -> Definition:
    return builtin_definitions()[key]


def answers_totalling(definition: Definition, score_key: str, total: int) -> dict[str, int]:
    """Valid answers to every item such that `score_key` sums to exactly `total` (other items at their lowest)."""
    keys = next(s for s in definition.scores if s.key == score_key).items
    values = {key: sorted({o.value for o in definition.options_of(definition.item(key))}) for key in keys}
    answers = {i.key: min(o.value for o in definition.options_of(i)) for i in definition.items}
    # reachable[n]: the sums the first n items of the score can make.
    reachable = [{0}]
    for key in keys:
        reachable.append({s + v for s in reachable[-1] for v in values[key]})
    assert total in reachable[-1], f"{definition.key}: no answers make {score_key} = {total}"
    remaining = total
    for n in range(len(keys) - 1, -1, -1):
        value = next(v for v in reversed(values[keys[n]]) if remaining - v in reachable[n])
        answers[keys[n]] = value
        remaining -= value
    return answers


def condition(zone: Zone) -> tuple[str | None, bool | None]:
    return (zone.when.sex, zone.when.pregnant) if zone.when else (None, None)


def context_for(cond: tuple[str | None, bool | None]) -> Context:
    sex, pregnant = cond
    return Context(sex=sex or "", pregnant=bool(pregnant))


def zone_groups(definition: Definition) -> dict[tuple, list[Zone]]:
    """Zones by (score, condition): each group is one ladder of cut-offs."""
    groups: dict[tuple, list[Zone]] = {}
    for zone in definition.zones:
        groups.setdefault((zone.score, condition(zone)), []).append(zone)
    return groups


def boundary_cases():
    seen = set()
    for d in builtin_definitions().values():
        for zone in d.zones:
            top = d.max_score(zone.score)
            cond = condition(zone)
            for value in (zone.min - 1, zone.min, zone.min + 1, zone.max - 1, zone.max, zone.max + 1):
                case = (d.key, zone.score, cond, value)
                if 0 <= value <= top and case not in seen:
                    seen.add(case)
                    label = "-".join(str(c) for c in cond if c is not None) or "general"
                    yield pytest.param(*case, id=f"{d.key}-{zone.score}-{label}-{value}")


# ---------------------------------------------------------------- loading


def test_every_builtin_file_loads_under_its_own_key():
    files = {path.stem for path in BUILTIN_DIR.glob("*.json")}
    assert files == BUILTIN_KEYS
    definitions = builtin_definitions()
    assert set(definitions) == BUILTIN_KEYS
    for key in BUILTIN_KEYS:
        loaded = load_definition_file(BUILTIN_DIR / f"{key}.json")
        assert loaded.key == key
        assert loaded.version == 1
        assert loaded == definitions[key]


def test_builtin_definitions_are_loaded_once():
    assert builtin_definitions() is builtin_definitions()


@pytest.mark.parametrize(
    ("key", "audience"),
    [
        ("audit", "both"),
        ("audit_c", "both"),
        ("pgsi", "both"),
        ("feelings_thermometer", "both"),
        ("relatives_self_check", "public"),
        ("tweak", "staff"),
        ("audit_c_pregnancy", "staff"),
        ("cast6", "staff"),
        ("coping_questionnaire", "staff"),
        ("family_member_impact", "staff"),
        ("symptom_rating", "staff"),
    ],
)
def test_audience(key, audience):
    assert definition(key).audience == audience


@pytest.mark.parametrize("key", sorted(BUILTIN_KEYS))
def test_placeholders_are_marked_in_the_flag_and_in_every_language(key):
    d = definition(key)
    for item in d.items:
        for language, prefix in PLACEHOLDER_PREFIX.items():
            text = item.text.get(language)
            if item.placeholder:
                assert text.startswith(prefix), f"{key}.{item.key} ({language}): {text!r}"
            else:
                assert "[Pla" not in text, f"{key}.{item.key} ({language}) looks like an unflagged placeholder"
    assert d.has_placeholders == (key in PLACEHOLDER_INSTRUMENTS)
    if key in PLACEHOLDER_INSTRUMENTS:
        assert all(i.placeholder for i in d.items)
        assert "placeholder" in d.source


@pytest.mark.parametrize("key", sorted(BUILTIN_KEYS))
def test_nothing_shown_to_the_public_is_a_placeholder(key):
    d = definition(key)
    if d.audience in ("public", "both"):
        assert not d.has_placeholders


@pytest.mark.parametrize("key", sorted(BUILTIN_KEYS))
def test_zones_cover_every_possible_score_without_gaps(key):
    d = definition(key)
    for (score_key, _cond), zones in zone_groups(d).items():
        covered = sorted(v for z in zones for v in range(z.min, z.max + 1))
        assert covered == list(range(d.max_score(score_key) + 1)), f"{key}: {score_key} {_cond}"


# ---------------------------------------------------------------- every zone boundary of every instrument


@pytest.mark.parametrize(("key", "score_key", "cond", "value"), list(boundary_cases()))
def test_zone_boundaries(key, score_key, cond, value):
    d = definition(key)
    expected = next(z for z in zone_groups(d)[(score_key, cond)] if z.min <= value <= z.max)
    answers = answers_totalling(d, score_key, value)

    result = score(d, answers, context_for(cond))

    assert result.scores[score_key] == value
    assert result.complete
    assert result.zones[score_key] is not None
    assert result.zones[score_key].key == expected.key
    assert result.zones[score_key].when == expected.when
    if score_key == d.primary_score:
        assert result.zone == result.zones[score_key]


# ---------------------------------------------------------------- the published cut-offs (DOMAIN.md section 4)


@pytest.mark.parametrize(
    ("key", "score_key", "sex", "value", "zone_key"),
    [
        # AUDIT: I 0-7, II 8-15, III 16-19, IV 20-40.
        ("audit", "total", "", 0, "zone_1"),
        ("audit", "total", "", 7, "zone_1"),
        ("audit", "total", "", 8, "zone_2"),
        ("audit", "total", "", 15, "zone_2"),
        ("audit", "total", "", 16, "zone_3"),
        ("audit", "total", "", 19, "zone_3"),
        ("audit", "total", "", 20, "zone_4"),
        ("audit", "total", "", 40, "zone_4"),
        # AUDIT-C: positive at 4+ for men, 3+ for women; unknown sex takes the women's cut-off.
        ("audit_c", "total", "male", 3, "negative"),
        ("audit_c", "total", "male", 4, "positive"),
        ("audit_c", "total", "female", 2, "negative"),
        ("audit_c", "total", "female", 3, "positive"),
        ("audit_c", "total", "", 2, "negative"),
        ("audit_c", "total", "", 3, "positive"),
        ("audit_c", "total", "male", 12, "positive"),
        # TWEAK: 2+ positive.
        ("tweak", "total", "", 1, "negative"),
        ("tweak", "total", "", 2, "positive"),
        ("tweak", "total", "", 7, "positive"),
        # PGSI: 0 no problem, 1-2 low, 3-7 moderate, 8+ problem.
        ("pgsi", "total", "", 0, "no_problem"),
        ("pgsi", "total", "", 1, "low_risk"),
        ("pgsi", "total", "", 2, "low_risk"),
        ("pgsi", "total", "", 3, "moderate_risk"),
        ("pgsi", "total", "", 7, "moderate_risk"),
        ("pgsi", "total", "", 8, "problem"),
        ("pgsi", "total", "", 27, "problem"),
        # CAST-6: 3+ indicates a parent with an alcohol problem.
        ("cast6", "total", "", 2, "negative"),
        ("cast6", "total", "", 3, "positive"),
        # Pregnancy AUDIT-C: during pregnancy any score above 0; before pregnancy 4+.
        ("audit_c_pregnancy", "during", "female", 0, "during_none"),
        ("audit_c_pregnancy", "during", "female", 1, "during_talk"),
        ("audit_c_pregnancy", "before", "female", 3, "before_low"),
        ("audit_c_pregnancy", "before", "female", 4, "before_risk"),
        # Feelings thermometer: 0-3 heavy, 4-6 in between, 7-10 good.
        ("feelings_thermometer", "today", "", 3, "heavy"),
        ("feelings_thermometer", "today", "", 4, "in_between"),
        ("feelings_thermometer", "today", "", 6, "in_between"),
        ("feelings_thermometer", "today", "", 7, "good"),
    ],
)
def test_published_cut_offs(key, score_key, sex, value, zone_key):
    d = definition(key)
    result = score(d, answers_totalling(d, score_key, value), Context(sex=sex, pregnant=key == "audit_c_pregnancy"))
    assert result.scores[score_key] == value
    assert result.zones[score_key].key == zone_key


def test_audit_zone_levels_rise_from_0_to_3():
    assert [z.level for z in sorted(definition("audit").zones, key=lambda z: z.min)] == [0, 1, 2, 3]


def test_audit_items_1_to_8_score_0_to_4_and_items_9_and_10_score_0_2_4():
    d = definition("audit")
    for n in range(1, 11):
        values = [o.value for o in d.options_of(d.item(f"q{n}"))]
        assert values == ([0, 1, 2, 3, 4] if n <= 8 else [0, 2, 4]), n
    assert d.max_score("total") == 40
    assert d.max_score("audit_c") == 12


def test_audit_scores_audit_c_from_items_1_to_3_like_the_audit_c_itself():
    answers = {f"q{n}": 0 for n in range(1, 11)} | {"q1": 2, "q2": 1, "q3": 1, "q4": 3, "q9": 4}
    result = score(definition("audit"), answers)
    assert result.scores == {"total": 11, "audit_c": 4}
    assert result.zone.key == "zone_2"
    short = score(definition("audit_c"), {"q1": 2, "q2": 1, "q3": 1}, Context(sex="male"))
    assert short.scores["total"] == 4
    assert short.zone.key == "positive"


def test_tweak_weights_tolerance_and_worry_two_points_and_the_rest_one():
    d = definition("tweak")
    weights = {i.key: [o.value for o in d.options_of(i)] for i in d.items}
    assert weights == {
        "tolerance": [0, 2],
        "worried": [0, 2],
        "eye_opener": [0, 1],
        "amnesia": [0, 1],
        "cut_down": [0, 1],
    }
    three_or_more = next(o for o in d.options_of(d.item("tolerance")) if o.value == 2)
    assert "3" in three_or_more.label.en
    result = score(d, {"tolerance": 2, "worried": 0, "eye_opener": 0, "amnesia": 0, "cut_down": 0})
    assert result.zone.key == "positive"


def test_pregnancy_audit_c_reports_the_zone_before_and_during_pregnancy():
    d = definition("audit_c_pregnancy")
    answers = {"before_q1": 2, "before_q2": 1, "before_q3": 1, "during_q1": 0, "during_q2": 0, "during_q3": 0}
    result = score(d, answers, Context(sex="female", pregnant=True))
    assert result.scores == {"before": 4, "during": 0}
    assert result.zone.key == "during_none"
    assert result.zones["before"].key == "before_risk"


def test_instruments_without_zones_still_score_every_subscale():
    d = definition("coping_questionnaire")
    answers = {f"q{n}": (3 if n <= 10 else 1 if n <= 20 else 0) for n in range(1, 31)}
    result = score(d, answers)
    assert result.scores == {"total": 40, "engaged": 30, "tolerant": 10, "withdrawn": 0}
    assert result.zone is None
    assert result.zones == {}


# ---------------------------------------------------------------- answers the engine refuses


def audit_answers(**changes) -> dict[str, object]:
    return {f"q{n}": 0 for n in range(1, 11)} | changes


def refusal(d: Definition, answers: dict[str, object]) -> dict[str, list[str]]:
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        score(d, answers)
    return caught.value.message_dict


def test_audit_item_9_refuses_1_and_accepts_2():
    d = definition("audit")
    assert refusal(d, audit_answers(q9=1)) == {"q9": ["Choose one of the answers."]}
    result = score(d, audit_answers(q9=2))
    assert result.answers["q9"] == 2
    assert result.scores["total"] == 2


def test_a_missing_answer_is_named():
    d = definition("audit")
    answers = audit_answers()
    del answers["q4"]
    assert refusal(d, answers) == {"q4": ["Answer this question."]}
    assert refusal(d, audit_answers(q7="")) == {"q7": ["Answer this question."]}


def test_no_answers_names_every_item():
    d = definition("pgsi")
    errors = refusal(d, {})
    assert set(errors) == {f"q{n}" for n in range(1, 10)}


@pytest.mark.parametrize("bad", [5, -1, 10, "abc", "4a", "--3", 2.5, True, [1], {"value": 1}])
def test_an_out_of_range_or_malformed_answer_is_named(bad):
    assert refusal(definition("audit"), audit_answers(q1=bad)) == {"q1": ["Choose one of the answers."]}


@pytest.mark.parametrize("good", ["3", " 3 ", 3, 3.0])
def test_an_answer_may_come_as_text_or_number(good):
    result = score(definition("audit"), audit_answers(q1=good))
    assert result.answers["q1"] == 3


def test_answers_to_questions_outside_the_instrument_are_refused():
    errors = refusal(definition("audit_c"), {"q1": 0, "q2": 0, "q3": 0, "q4": 1})
    assert errors == {"__all__": ["The answers name questions that are not in this instrument."]}


def test_several_bad_answers_are_all_named_at_once():
    errors = refusal(definition("tweak"), {"tolerance": 1, "worried": 2, "eye_opener": 2})
    assert errors == {
        "tolerance": ["Choose one of the answers."],
        "eye_opener": ["Choose one of the answers."],
        "amnesia": ["Answer this question."],
        "cut_down": ["Answer this question."],
    }
