"""The young people's report against constructed intakes with known shares, averages and suppression."""

from __future__ import annotations

from datetime import date

import pytest

from kindred.reports.kpis import round_small
from kindred.reports.scopes import Geography, Period
from kindred.reports.tests import factories as make
from kindred.reports.youth import QUESTIONS, youth_report

pytestmark = pytest.mark.django_db

PERIOD = Period.months("2025-01", "2025-12")
DAY = date(2025, 6, 1)


def answers(**columns) -> list[dict]:
    """20 intakes: each keyword is a field and its 20 answers (a list, built with `seq`)."""
    rows: list[dict] = [{} for _n in range(20)]
    for name, values in columns.items():
        assert len(values) == 20, name
        for row, value in zip(rows, values, strict=True):
            row[name] = value
    return rows


def seq(*runs) -> list:
    """(value, how many) runs, e.g. seq((True, 3), (False, 15), (None, 2))."""
    return [value for value, count in runs for _n in range(count)]


def twenty() -> list[dict]:
    """13 fathers (5 of them with the mother too), 12 mothers, 10 answering years (average 11), ..."""
    years = [5, 8, 9, 10, 11, 12, 12, 13, 14, 16]  # sum 110
    return answers(
        # 0-4 both parents, 5-12 the father only, 13-19 the mother only; a few did not answer about the other.
        father_problem=seq((True, 13), (False, 5), (None, 2)),
        mother_problem=seq((True, 5), (False, 6), (None, 2), (True, 7)),
        other_parent_problem=seq((True, 4), (False, 10), (None, 6)),
        years_affected=[*years, *[None] * 10],
        psychological_violence=seq((True, 9), (False, 8), (None, 3)),
        psychological_violence_years=[1, 2, 3, 4, 5, 6, *[None] * 14],  # average 3.5, from 6 answers
        physical_violence=seq((True, 6), (False, 12), (None, 2)),
        physical_violence_years=[2, 2, 3, 5, *[None] * 16],  # average 3.0, from 4 answers
        sexual_violation=seq((True, 2), (False, 15), (None, 3)),
        sexual_violation_years=[1, 3, *[None] * 18],
        suicide_threats=seq((True, 3), (False, 17)),
        suicide_attempt_witnessed=seq((True, 3), (False, 15), (None, 2)),
        parents_separated=seq((True, 11), (False, 9)),
        talked_to_nobody=seq((True, 7), (False, 13)),
        talked_to_friend=seq((True, 8), (False, 12)),
        talked_to_family=seq((True, 6), (False, 14)),
        talked_to_school=seq((True, 4), (False, 16)),
        talked_to_health=seq((True, 5), (False, 15)),
        talked_to_child_welfare=seq((True, 1), (False, 19)),
        earlier_help=seq((False, 12), (True, 5), (None, 3)),
    )


# key: (yes, no, did not answer, average years)
EXPECTED = {
    "father": (13, 5, 2, None),
    "mother": (12, 6, 2, None),
    "both": (5, 11, 4, None),
    "other_parent": (4, 10, 6, None),
    "years": (10, 0, 10, 11.0),
    "psychological": (9, 8, 3, 3.5),
    "physical": (6, 12, 2, 3.0),
    "sexual": (2, 15, 3, 2.0),
    "suicide_threats": (3, 17, 0, None),
    "suicide_attempt": (3, 15, 2, None),
    "separated": (11, 9, 0, None),
    "talked_nobody": (7, 13, 0, None),
    "talked_friend": (8, 12, 0, None),
    "talked_family": (6, 14, 0, None),
    "talked_school": (4, 16, 0, None),
    "talked_health": (5, 15, 0, None),
    "talked_child_welfare": (1, 19, 0, None),
    "no_earlier_help": (12, 5, 3, None),
}


@pytest.fixture
def service():
    return make.organisation("Ung hjelp", kind="low_threshold")


def report(org, threshold: int, period: Period = PERIOD):
    return youth_report(Geography().organisation(org.pk), period, threshold)


def test_every_row_counted_with_share_and_average(service):
    make.youth_intakes(service, DAY, twenty())
    make.youth_intakes(service, date(2024, 12, 31), [{"father_problem": True}])  # the day before the period
    make.youth_intakes(service, date(2026, 1, 1), [{"father_problem": True}])  # the day after

    published = report(service, threshold=1)

    assert published.respondents == 20 and not published.too_few
    assert [row.key for row in published.rows] == [key for key, *_rest in QUESTIONS] == list(EXPECTED)
    for row in published.rows:
        yes, no, unanswered, average = EXPECTED[row.key]
        assert (row.yes, row.no, row.unanswered) == (yes, no, unanswered), row.key
        assert row.share == pytest.approx(yes / 20), row.key
        assert row.average_years == average, row.key


def test_threshold_hides_small_answers_with_a_complement(service):
    make.youth_intakes(service, DAY, twenty())

    rows = {row.key: row for row in report(service, threshold=5).rows}

    def shown(key):
        row = rows[key]
        return (row.yes, row.no, row.unanswered)

    # 3 yes is hidden, and the next smallest number of the row with it, so that 20 − the rest gives nothing.
    assert shown("suicide_threats") == (None, None, 0)
    assert shown("suicide_attempt") == (None, 15, None)  # 3 + 2 hidden: at least 5 together
    assert shown("talked_child_welfare") == (None, None, 0)
    assert shown("sexual") == (None, 15, None)
    assert shown("talked_school") == (None, None, 0)
    assert shown("other_parent") == (None, 10, None)
    assert shown("both") == (None, 11, None)  # 4 did not answer: hidden with the 5 yes
    assert shown("father") == (13, None, None)  # 2 did not answer: hidden with the 5 no
    assert shown("mother") == (12, None, None)
    assert shown("psychological") == (9, None, None)
    assert shown("physical") == (None, 12, None)
    assert shown("no_earlier_help") == (12, None, None)
    for key in ["years", "separated", "talked_nobody", "talked_friend", "talked_family", "talked_health"]:
        assert shown(key) == EXPECTED[key][:3], key
    # A share needs its yes; an average at least 5 answers.
    assert rows["father"].share == pytest.approx(13 / 20) and rows["suicide_threats"].share is None
    assert rows["years"].average_years == 11.0 and rows["psychological"].average_years == 3.5
    assert rows["physical"].average_years is None and rows["sexual"].average_years is None
    for row in rows.values():
        for value in (row.yes, row.no, row.unanswered):
            assert value is None or value == 0 or value >= 5


def test_fewer_than_the_threshold_hides_everything(service):
    make.youth_intakes(service, DAY, twenty()[:4])

    published = report(service, threshold=5)

    assert published.respondents is None and published.too_few
    assert all(
        (row.yes, row.no, row.unanswered, row.share, row.average_years) == (None, None, None, None, None)
        for row in published.rows
    )


def test_nobody_shows_zeros(service):
    published = report(service, threshold=5)
    assert published.respondents == 0 and not published.too_few
    assert all((row.yes, row.no, row.unanswered, row.share) == (0, 0, 0, None) for row in published.rows)


@pytest.mark.parametrize(("count", "respondents"), [(5, 5), (7, 5), (8, 10), (12, 10), (13, 15), (19, 20), (20, 20)])
def test_small_numbers_of_respondents_are_rounded(service, count, respondents):
    make.youth_intakes(service, DAY, twenty()[:count])
    assert report(service, threshold=5).respondents == respondents


def test_round_small():
    assert [round_small(n, 5) for n in (None, 0, 5, 7, 8, 12, 13, 17, 18, 19, 20, 21, 57)] == [
        None,
        0,
        5,
        5,
        10,
        10,
        15,
        15,
        20,
        20,
        20,
        21,
        57,
    ]
    assert [round_small(n, 3) for n in (3, 4, 5, 11, 12)] == [3, 3, 6, 12, 12]
    assert [round_small(n, 1) for n in (1, 2, 3)] == [1, 2, 3]


def test_the_report_on_a_part_cannot_be_subtracted_from_the_whole():
    """Two young people at the umbrella itself, eighteen at its sub-unit: the report on the umbrella minus
    the report on the sub-unit must not give away the two."""
    umbrella = make.organisation("Ung paraply", kind="low_threshold")
    sub = make.organisation("Ung avdeling", kind="low_threshold", parent=umbrella)
    make.youth_intakes(umbrella, DAY, [{"father_problem": True, "parents_separated": True}] * 2)
    make.youth_intakes(sub, DAY, [{"father_problem": n < 10, "parents_separated": n < 9} for n in range(18)])

    whole, part = report(umbrella, threshold=5), report(sub, threshold=5)

    assert not whole.too_few and not part.too_few
    # Respondents: 20 and 18 cannot both be shown exactly.
    assert whole.respondents is None or part.respondents is None
    for mine, theirs in zip(whole.rows, part.rows, strict=True):
        for a, b in [(mine.yes, theirs.yes), (mine.no, theirs.no), (mine.unanswered, theirs.unanswered)]:
            assert a is None or b is None or a - b == 0 or a - b >= 5, mine.key
