"""Every key figure against hand-built data with known answers (threshold 1, so nothing is hidden): the exact
counts per category, the edges of the period, the previous period, and how scopes roll up and drill down."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.utils.translation import gettext as _

from kindred.care.models import ChildrenAnswer, Task
from kindred.directory.models import SelfReferral
from kindred.programs.models import Attendance, Enrolment
from kindred.referrals.models import Referral
from kindred.reports import kpis
from kindred.reports.scopes import Geography, Period
from kindred.reports.tests import factories as make
from kindred.reports.tests.factories import at

pytestmark = pytest.mark.django_db

PERIOD = Period.months("2025-03", "2025-04")
FIRST, LAST = date(2025, 3, 1), date(2025, 4, 30)
BEFORE, AFTER = FIRST - timedelta(days=1), LAST + timedelta(days=1)
MID = date(2025, 3, 10)


def figure(key: str, org_or_scope, threshold: int = 1, period: Period = PERIOD) -> kpis.Figure:
    geography = Geography()
    scope = geography.organisation(org_or_scope.pk) if hasattr(org_or_scope, "pk") else org_or_scope
    return kpis.figure(kpis.get_metric(key), scope, geography.parts(scope), period, threshold)


def by_category(f: kpis.Figure, previous: bool = False) -> dict[str, int | None]:
    table = f.previous if previous else f.table
    return {key: table.column_totals[j] for j, (key, _label) in enumerate(f.metric.categories)}


def itself(name: str) -> str:
    """The label of an organisation's own row in its drill-down (in whatever language is active)."""
    return _("%(name)s itself") % {"name": name}


@pytest.fixture
def solo():
    return make.organisation("Solo behandling")


@pytest.fixture
def today_is(monkeypatch):
    """Fix "today" for the figures that depend on it (overdue tasks and concern reports)."""

    def fix(day: date) -> None:
        monkeypatch.setattr(kpis, "timezone", SimpleNamespace(localdate=lambda: day))

    return fix


# --- The children ---------------------------------------------------------------------------------


def test_children_question_counts_days_and_period_edges(solo):
    make.episode(solo, FIRST, answered_at=at(FIRST + timedelta(days=7), 9))  # exactly 7 days: within
    make.episode(solo, LAST, answered_at=at(LAST, 23, 59))  # the last day of the period
    make.episode(solo, MID, answered_at=at(MID + timedelta(days=8), 0, 5))  # 8 days: later
    make.episode(solo, MID, answered_at=at(MID + timedelta(days=7), 23, 30))  # 7 days in Oslo: within
    # 23:30 UTC on day 7 is 00:30 on day 8 in Oslo: the day is cut in local time, so this is later.
    make.episode(solo, MID, answered_at=datetime(2025, 3, 17, 23, 30, tzinfo=UTC))
    make.episode(solo, MID, answer=ChildrenAnswer.NONE, answered_at=at(MID - timedelta(days=1)))  # before start
    make.episode(solo, MID, answer=ChildrenAnswer.NOT_ASKED)
    make.episode(solo, BEFORE)  # the day before: the previous period
    make.episode(solo, BEFORE, answer=ChildrenAnswer.NOT_ASKED)
    make.episode(solo, AFTER)  # the day after: neither

    f = figure("children_question", solo)

    assert [p.label for p in f.parts] == ["Solo behandling"]
    assert f.table.cells == ((4, 2, 1),)
    assert by_category(f) == {"within_7_days": 4, "later": 2, "not_answered": 1}
    assert f.table.total == 7 and f.rounded_total == 7
    assert f.share == pytest.approx(6 / 7)
    assert f.previous.cells == ((1, 0, 1),) and f.previous_rounded_total == 2
    assert f.previous_share == pytest.approx(1 / 2)
    assert f.change == 5
    assert f.table.hidden_count == 0 and f.previous.hidden_count == 0


def test_children_answer_counts_answered_episodes_only(solo):
    make.episodes(solo, 3, FIRST, answer=ChildrenAnswer.HAS)
    make.episodes(solo, 2, LAST, answer=ChildrenAnswer.NONE)
    make.episode(solo, MID, answer=ChildrenAnswer.DECLINED)
    make.episode(solo, MID, answer=ChildrenAnswer.NOT_ASKED)
    make.episode(solo, BEFORE, answer=ChildrenAnswer.NONE)

    f = figure("children_answer", solo)

    assert [key for key, _label in f.metric.categories] == ["has", "none", "declined"]
    assert f.table.cells == ((3, 2, 1),)
    assert f.share == pytest.approx(3 / 6)
    assert f.previous.cells == ((0, 1, 0),)


@pytest.fixture
def families():
    """Patients with children at two units under one umbrella, with sheets and information.

    At Sol, in the period: Mor and Far (both patients there) share Kim; Mor has Lea (17 on the period's last
    day) and Ola (18 that day); Far has Sam (born 2008, by year 17) and Tor (born 2007, by year 18) and Uma
    (no birth data). Far is also a patient at Tun in the period. Per (the period before) has Vera at Sol."""
    umbrella = make.organisation("Paraply")
    sol = make.organisation("Sol", parent=umbrella)
    tun = make.organisation("Tun", parent=umbrella)
    mor, far, per = make.person("Mor"), make.person("Far"), make.person("Per")
    mor_episode = make.episode(sol, date(2025, 3, 5), patient=mor)
    far_episode = make.episode(sol, date(2025, 4, 2), patient=far)
    far_old = make.episode(sol, date(2024, 12, 1), patient=far)
    make.episode(tun, date(2025, 3, 20), patient=far)
    per_episode = make.episode(sol, BEFORE, patient=per)
    kids = SimpleNamespace(
        kim=make.child_of(mor, far, birth_date=date(2015, 6, 1), name="Kim"),
        lea=make.child_of(mor, birth_date=date(2007, 5, 1), name="Lea"),
        ola=make.child_of(mor, birth_date=date(2007, 4, 30), name="Ola"),
        sam=make.child_of(far, birth_year=2008, name="Sam"),
        tor=make.child_of(far, birth_year=2007, name="Tor"),
        uma=make.child_of(far, name="Uma"),
        vera=make.child_of(per, birth_date=date(2012, 1, 1), name="Vera"),
    )
    make.sheet(mor_episode, kids.kim)
    make.sheet(mor_episode, kids.lea)
    make.sheet(far_old, kids.sam)  # an episode before the period: does not count
    make.sheet(mor_episode, kids.ola)  # Ola is 18: not counted at all
    make.sheet(per_episode, kids.vera)
    make.information(mor_episode, kids.kim, date(2025, 3, 8))  # 3 days
    make.information(mor_episode, kids.kim, date(2025, 3, 20))  # not the first: ignored
    make.information(far_episode, kids.kim, date(2025, 4, 3))  # 1 day (another episode)
    make.information(far_episode, kids.sam, date(2025, 4, 10))  # 8 days
    return SimpleNamespace(umbrella=umbrella, sol=sol, tun=tun, kids=kids)


def test_children_with_a_sheet(families):
    sol = figure("children_sheet", families.sol)
    tun = figure("children_sheet", families.tun)
    umbrella = figure("children_sheet", families.umbrella)

    # Sol: Kim (two parents there, counted once), Lea and Sam; Ola and Tor are 18, Uma's age is unknown.
    assert by_category(sol) == {"yes": 2, "no": 1}
    assert sol.share == pytest.approx(2 / 3)
    assert by_category(sol, previous=True) == {"yes": 1, "no": 0}  # Vera
    # Tun treats Far: Kim and Sam, without sheets there (Sol's sheet for Kim is Sol's work, not Tun's).
    assert by_category(tun) == {"yes": 0, "no": 2}
    # The umbrella adds up its units: a child is counted once for each organisation treating a parent.
    assert [p.label for p in umbrella.parts] == [itself("Paraply"), "Sol", "Tun"]
    assert umbrella.table.cells == ((0, 0), (2, 1), (0, 2))
    assert umbrella.table.row_totals == (0, 3, 2) and umbrella.table.total == 5


def test_children_informed_and_median_days(families):
    sol = figure("children_informed", families.sol)

    assert by_category(sol) == {"yes": 2, "no": 1}  # Kim and Sam informed, Lea not
    assert by_category(figure("children_informed", families.tun)) == {"yes": 0, "no": 2}
    scope = Geography().organisation(families.sol.pk)
    # First information per episode and child: 3, 1 and 8 days.
    assert kpis.median_days_to_information(scope, PERIOD, threshold=1) == 3
    assert kpis.median_days_to_information(scope, PERIOD, threshold=3) == 3
    assert kpis.median_days_to_information(scope, PERIOD, threshold=4) is None
    assert kpis.median_days_to_information(scope, PERIOD.previous(), threshold=1) is None


def test_a_minor_is_under_18_on_the_last_day_of_the_period(solo):
    patient = make.person("Mor")
    make.episode(solo, FIRST, patient=patient)
    make.child_of(patient, birth_date=date(2007, 4, 30), name="18 on the last day")
    make.child_of(patient, birth_date=date(2007, 5, 1), name="18 the day after")
    make.child_of(patient, birth_date=date(2007, 3, 1), name="18 on the first day")
    make.child_of(patient, birth_year=2007, name="18 this year")
    make.child_of(patient, birth_year=2008, name="17 this year")
    make.child_of(patient, birth_date=date(2025, 4, 1), name="newborn")

    assert figure("children_sheet", solo).table.cells == ((0, 3),)


def test_concern_reports_by_feedback(solo, today_is):
    today_is(date(2025, 4, 15))  # feedback is overdue for reports sent before 25 March
    care = make.episode(solo, date(2025, 1, 10))
    make.concern_report(care, FIRST, feedback_on=date(2025, 3, 10))
    make.concern_report(care, date(2025, 3, 24))  # 22 days ago: overdue
    make.concern_report(care, date(2025, 3, 25))  # 21 days ago: still waiting
    make.concern_report(care, LAST)
    make.concern_report(care, BEFORE)
    make.concern_report(care, AFTER)

    f = figure("concern_reports", solo)

    assert by_category(f) == {"feedback": 1, "waiting": 2, "overdue": 1}
    assert by_category(f, previous=True) == {"feedback": 0, "waiting": 0, "overdue": 1}


def test_tasks_by_status_and_due_date(solo, today_is):
    today_is(date(2025, 4, 15))
    care = make.episode(solo, date(2025, 1, 10))
    make.task(care, FIRST, Task.Status.DONE)
    make.task(care, date(2025, 4, 15))  # due today: open
    make.task(care, LAST)
    make.task(care, date(2025, 4, 14))  # due yesterday: overdue
    make.task(care, date(2025, 3, 20), Task.Status.CANCELLED)
    make.task(care, BEFORE, Task.Status.DONE)
    make.task(care, AFTER)

    f = figure("tasks", solo)

    assert by_category(f) == {"done": 1, "open": 2, "overdue": 1, "cancelled": 1}
    assert f.share == pytest.approx(1 / 5)
    assert by_category(f, previous=True) == {"done": 1, "open": 0, "overdue": 0, "cancelled": 0}


# --- Cooperation ----------------------------------------------------------------------------------


def test_referrals_sent_by_status(solo):
    elsewhere = make.organisation("Elsewhere")
    S = Referral.Status
    make.referral(solo, elsewhere, status=S.SENT, sent_at=at(FIRST, 0, 10))
    make.referral(solo, elsewhere, status=S.RECEIVED, sent_at=at(LAST, 23, 50))
    make.referral(solo, elsewhere, status=S.ACCEPTED, sent_at=at(MID), decided_at=at(MID, 14))
    make.referral(solo, elsewhere, status=S.ACCEPTED, sent_at=at(MID), decided_at=at(MID, 15))
    make.referral(solo, elsewhere, status=S.DECLINED, sent_at=at(MID), decided_at=at(MID, 16))
    make.referral(solo, elsewhere, status=S.COMPLETED, sent_at=at(MID), decided_at=at(MID, 17))
    make.referral(solo, elsewhere, status=S.WITHDRAWN, sent_at=at(MID))
    make.referral(solo, elsewhere, status=S.DRAFT)  # never sent
    make.referral(solo, elsewhere, status=S.SENT, sent_at=at(BEFORE, 23, 50))
    make.referral(solo, elsewhere, status=S.SENT, sent_at=at(AFTER, 0, 10))
    make.referral(elsewhere, solo, status=S.SENT, sent_at=at(MID))  # received, not sent

    f = figure("referrals", solo)

    assert by_category(f) == {
        "sent": 1,
        "received": 1,
        "accepted": 2,
        "declined": 1,
        "completed": 1,
        "withdrawn": 1,
    }
    assert f.share == pytest.approx(3 / 7)
    assert f.previous.total == 1


def test_median_days_to_acceptance(solo):
    elsewhere = make.organisation("Elsewhere")
    S = Referral.Status
    make.referral(
        solo, elsewhere, status=S.ACCEPTED, sent_at=at(date(2025, 3, 2), 10), decided_at=at(date(2025, 3, 3), 10)
    )
    make.referral(
        solo, elsewhere, status=S.COMPLETED, sent_at=at(date(2025, 3, 5), 12), decided_at=at(date(2025, 3, 7), 0)
    )
    make.referral(solo, elsewhere, status=S.ACCEPTED, sent_at=at(date(2025, 4, 1)), decided_at=at(date(2025, 4, 11)))
    make.referral(solo, elsewhere, status=S.DECLINED, sent_at=at(MID), decided_at=at(MID + timedelta(days=1)))
    make.referral(solo, elsewhere, status=S.ACCEPTED, sent_at=at(MID))  # no decision time: not counted
    make.referral(solo, elsewhere, status=S.ACCEPTED, sent_at=at(BEFORE), decided_at=at(FIRST))
    scope = Geography().organisation(solo.pk)

    # 1, 1.5 (rounded to 2) and 10 days.
    assert kpis.median_days_to_acceptance(scope, PERIOD, threshold=1) == 2
    assert kpis.median_days_to_acceptance(scope, PERIOD, threshold=3) == 2
    assert kpis.median_days_to_acceptance(scope, PERIOD, threshold=4) is None
    assert kpis.median_days_to_acceptance(scope, PERIOD.previous(), threshold=1) == 1


def test_declines_by_reason_of_the_receiver(solo):
    elsewhere = make.organisation("Elsewhere")
    R, S = Referral.DeclineReason, Referral.Status
    for reason, day in [
        (R.NOT_OUR_SERVICE, at(FIRST, 0, 5)),
        (R.NOT_OUR_SERVICE, at(LAST, 23, 55)),
        (R.NO_CAPACITY, at(MID)),
        (R.OTHER, at(MID)),
        ("", at(MID)),  # no reason given: "other"
    ]:
        make.referral(elsewhere, solo, status=S.DECLINED, sent_at=at(BEFORE), decided_at=day, decline_reason=reason)
    make.referral(elsewhere, solo, status=S.DECLINED, sent_at=at(BEFORE), decided_at=at(BEFORE, 23, 55))
    make.referral(elsewhere, solo, status=S.ACCEPTED, sent_at=at(MID), decided_at=at(MID))
    make.referral(solo, elsewhere, status=S.DECLINED, sent_at=at(MID), decided_at=at(MID), decline_reason=R.OTHER)

    f = figure("declines", solo)

    assert by_category(f) == {
        "not_our_service": 2,
        "no_capacity": 1,
        "missing_information": 0,
        "person_declined": 0,
        "other": 2,
    }
    assert f.previous.total == 1


def test_consultations_answered_by_the_service_asked(solo):
    asker = make.organisation("Asker")
    make.consultation(asker, solo, at(FIRST, 0, 5), replies_from=[solo])
    make.consultation(asker, solo, at(LAST, 23, 55), replies_from=[asker, solo, solo])  # answered, counted once
    make.consultation(asker, solo, at(MID), replies_from=[asker])  # only the asker wrote again: waiting
    make.consultation(asker, solo, at(MID))
    make.consultation(asker, solo, at(BEFORE, 23, 55))
    make.consultation(solo, asker, at(MID), replies_from=[asker])  # asked by the unit, not of it

    f = figure("consultations", solo)

    assert by_category(f) == {"answered": 2, "waiting": 2}
    assert f.share == pytest.approx(1 / 2)
    assert by_category(f, previous=True) == {"answered": 0, "waiting": 1}


# --- Programmes and self-referrals ----------------------------------------------------------------


@pytest.fixture
def programme_data(solo):
    S = Enrolment.Status
    group = make.run(solo)
    make.enrolment(group, S.ENROLLED, created_at=at(FIRST, 0, 5))
    make.enrolment(group, S.WAITING, created_at=at(LAST, 23, 55))
    make.enrolment(group, S.INTERVIEW, created_at=at(MID))
    make.enrolment(group, S.REFERRED, created_at=at(MID))
    make.enrolment(group, S.WITHDRAWN, created_at=at(MID), ended_at=at(MID))  # ended, but not a completion
    completed = make.enrolment(group, S.COMPLETED, created_at=at(MID), ended_at=at(date(2025, 4, 20)))
    make.enrolment(group, S.NOT_COMPLETED, created_at=at(MID), ended_at=at(LAST, 23, 55))
    make.enrolment(group, S.COMPLETED, created_at=at(BEFORE), ended_at=at(BEFORE, 20))
    make.enrolment(group, S.ENROLLED, created_at=at(AFTER))
    present, absent = make.enrolment(group, S.ENROLLED), make.enrolment(group, S.ENROLLED)
    A = Attendance.Status
    first = make.session(group, FIRST)
    make.attendance(first, present, A.PRESENT)
    make.attendance(first, completed, A.PRESENT)
    make.attendance(first, absent, A.ABSENT)
    make.attendance(make.session(group, LAST), absent, A.EXCUSED)
    make.attendance(make.session(group, MID, cancelled=True), present, A.PRESENT)  # cancelled: not counted
    make.attendance(make.session(group, BEFORE), present, A.PRESENT)
    make.session(group, MID, head_count=9)  # not a drop-in: its head count is not counted
    drop_in = make.run(solo, drop_in=True)
    make.session(drop_in, FIRST, head_count=12)
    make.session(drop_in, LAST, head_count=7)
    make.session(drop_in, MID, head_count=5, cancelled=True)
    make.session(drop_in, MID)  # no head count
    make.session(drop_in, BEFORE, head_count=4)
    return solo


def test_enrolments_by_status(programme_data):
    f = figure("enrolments", programme_data)
    # The two enrolments made by the builder without a time are created now (2026): outside both periods.
    assert by_category(f) == {
        "interview": 1,
        "waiting": 1,
        "enrolled": 1,
        "completed": 1,
        "not_completed": 1,
        "withdrawn": 1,
        "referred": 1,
    }
    assert f.previous.total == 1


def test_attendance_at_sessions_held(programme_data):
    f = figure("attendance", programme_data)
    assert by_category(f) == {"present": 2, "absent": 1, "excused": 1}
    assert f.share == pytest.approx(2 / 4)
    assert by_category(f, previous=True) == {"present": 1, "absent": 0, "excused": 0}


def test_completion_when_the_enrolment_ended(programme_data):
    f = figure("completion", programme_data)
    assert by_category(f) == {"completed": 1, "not_completed": 1}
    assert f.share == pytest.approx(1 / 2)
    assert by_category(f, previous=True) == {"completed": 1, "not_completed": 0}


def test_head_counts_at_drop_in_gatherings(programme_data):
    f = figure("head_counts", programme_data)
    assert f.table.cells == ((19,),) and f.table.total == 19
    assert f.previous.cells == ((4,),)


def test_self_referrals_by_outcome(solo):
    S = SelfReferral.Status
    make.self_referral(solo, at(FIRST, 0, 5), S.NEW)
    make.self_referral(solo, at(MID), S.ASSIGNED)
    make.self_referral(solo, at(MID), S.CONTACTED)
    make.self_referral(solo, at(MID), S.CONVERTED)
    make.self_referral(solo, at(LAST, 23, 55), S.CLOSED)
    make.self_referral(solo, at(MID), S.CLOSED)
    make.self_referral(solo, at(BEFORE, 23, 55), S.CONVERTED)
    make.self_referral(solo, at(AFTER, 0, 5), S.NEW)

    f = figure("self_referrals", solo)

    assert by_category(f) == {"open": 3, "converted": 1, "closed": 2}
    assert f.share == pytest.approx(1 / 6)
    assert by_category(f, previous=True) == {"open": 0, "converted": 1, "closed": 0}


def test_zone_distribution(solo):
    make.responses(solo, "audit", FIRST, 1, count=3)
    make.responses(solo, "audit", LAST, 2, count=2)
    make.responses(solo, "audit", MID, 3)
    make.responses(solo, "tweak", MID, 1, count=4)
    make.responses(solo, "tweak", MID, None, count=2)  # no zone: not counted
    make.responses(solo, "audit", BEFORE, 3)
    make.responses(solo, "dudit", AFTER, 2)
    scope = Geography().organisation(solo.pk)

    zones = kpis.zone_distribution(scope, PERIOD, threshold=1)

    assert zones.instruments == ["audit", "tweak"] and zones.levels == [1, 2, 3]
    assert zones.table.cells == ((3, 2, 1), (4, 0, 0))
    assert zones.table.row_totals == (6, 4) and zones.table.column_totals == (7, 2, 1) and zones.table.total == 10
    empty = kpis.zone_distribution(scope, Period.months("2020-01", "2020-01"), threshold=1)
    assert (empty.instruments, empty.levels, empty.table.total) == ([], [1], 0)


# --- Scopes: roll-up and drill-down ---------------------------------------------------------------


@pytest.fixture
def places():
    """Alfa (Stavanger) with sub-unit Beta, which has sub-unit Gamma; Xi, a sub-unit of Alfa in Sandnes, with
    its own sub-unit Ypsilon back in Stavanger; Delta in Sandnes, Epsilon in Bergen, Fri with no municipality
    registered, and Dansk in Denmark. Stavanger and Sandnes are in Rogaland, Bergen in Vestland."""
    make.municipality("1103", "Stavanger", "Rogaland")
    make.municipality("1108", "Sandnes", "Rogaland")
    make.municipality("4601", "Bergen", "Vestland")
    alfa = make.organisation("Alfa", municipality="1103")
    beta = make.organisation("Beta", parent=alfa, municipality="1103")
    gamma = make.organisation("Gamma", parent=beta, municipality="1103")
    xi = make.organisation("Xi", parent=alfa, municipality="1108")
    ypsilon = make.organisation("Ypsilon", parent=xi, municipality="1103")
    delta = make.organisation("Delta", municipality="1108")
    epsilon = make.organisation("Epsilon", municipality="4601")
    fri = make.organisation("Fri")
    dansk = make.organisation("Dansk", country="DK")
    counts = {alfa: 2, beta: 3, gamma: 4, xi: 1, ypsilon: 1, delta: 5, epsilon: 1, fri: 2, dansk: 6}
    for org, n in counts.items():
        make.episodes(org, n, MID)
        make.episode(org, BEFORE)  # one each in the previous period
    return SimpleNamespace(**{org.name.lower(): org for org in counts})


def rows(f: kpis.Figure) -> list[tuple[str, int]]:
    return [(part.label, total) for part, total in zip(f.parts, f.table.row_totals, strict=True)]


def test_an_organisation_counts_its_sub_units_and_drills_down_to_them(places):
    alfa = figure("children_question", places.alfa)
    beta = figure("children_question", places.beta)
    gamma = figure("children_question", places.gamma)

    assert rows(alfa) == [(itself("Alfa"), 2), ("Beta", 7), ("Xi", 2)] and alfa.table.total == 11
    assert alfa.parts[0].kind == "part" and alfa.parts[1].kind == "organisation"
    assert rows(beta) == [(itself("Beta"), 3), ("Gamma", 4)] and beta.table.total == 7
    assert rows(gamma) == [("Gamma", 4)] and gamma.parts[0].organisation_ids == (places.gamma.pk,)
    # A part's row is the part's own total, and the rows add up to the scope's figures.
    assert alfa.table.cells[1] == beta.table.column_totals
    assert alfa.previous.row_totals == (1, 2, 2) and alfa.previous.total == 5
    assert beta.previous.total == alfa.previous.row_totals[1]


def test_municipalities_regions_and_countries(places):
    geography = Geography()
    stavanger = figure("children_question", geography.municipality("NO", "1103"))
    sandnes = figure("children_question", geography.municipality("NO", "1108"))
    rogaland = figure("children_question", geography.region("NO", "Rogaland"))
    norway = figure("children_question", geography.country("NO"))
    denmark = figure("children_question", geography.country("DK"))

    # Ypsilon lies in Stavanger under Xi (Sandnes) under Alfa (Stavanger): it belongs to Alfa's part only.
    assert rows(stavanger) == [("Alfa", 10)] and stavanger.table.total == 10
    assert rows(sandnes) == [("Delta", 5), ("Xi", 1)] and sandnes.table.total == 6
    assert rows(rogaland) == [("Sandnes", 6), ("Stavanger", 10)] and rogaland.table.total == 16
    assert rows(norway) == [("Rogaland", 16), ("Vestland", 1), (_("Municipality not registered"), 2)]
    assert norway.table.total == 19
    assert rows(denmark) == [(_("Municipality not registered"), 6)] and denmark.table.total == 6
    assert norway.previous.row_totals == (6, 1, 1)


def test_every_drill_down_adds_up_and_matches_each_part_opened_on_its_own(places, today_is):
    """For every figure: the rows add up to the totals, and a part's row is what the part's own report
    shows as its totals."""
    today_is(date(2025, 4, 15))
    for i, org in enumerate(vars(places).values()):
        one_of_everything(org, date(2025, 3, 1 + i))
    geography = Geography()
    scopes = [geography.country("NO"), geography.region("NO", "Rogaland"), geography.municipality("NO", "1103")]
    scopes += [geography.organisation(org.pk) for org in vars(places).values()]
    for metric in kpis.metrics():
        for scope in scopes:
            f = kpis.figure(metric, scope, geography.parts(scope), PERIOD, 1, geography=geography)
            table = f.table
            assert table.hidden_count == 0
            assert sum(table.row_totals) == table.total == sum(table.column_totals), (metric.key, scope)
            assert table.total > 0, (metric.key, scope)
            for part, cells, total in zip(f.parts, table.cells, table.row_totals, strict=True):
                assert sum(cells) == total
                if (
                    part.kind != "part"
                    and part.organisation_ids == geography.parse(geography.slug(part)).organisation_ids
                ):
                    own = kpis.figure(metric, part, geography.parts(part), PERIOD, 1, geography=geography)
                    assert own.table.column_totals == cells and own.table.total == total, (metric.key, part)
            assert kpis.raw_counts(metric, f.parts, PERIOD) == [list(c) for c in table.cells]


def one_of_everything(org, day: date) -> None:
    """One row for every key figure at `org` on `day` (in the period)."""
    patient = make.person("Forelder")
    care = make.episode(org, day, patient=patient)
    kid = make.child_of(patient, birth_date=date(2015, 1, 1))
    make.sheet(care, kid)
    informed = make.information(care, kid, day)
    from kindred.library.models import Handout, Item  # the library's figure: one leaflet handed out

    Handout.objects.create(information_given=informed, item=Item.objects.create(kind="leaflet", title="Brosjyre"))
    make.task(care, day)
    make.concern_report(care, day)
    other = make.organisation(f"Mottaker {org.pk}", country=org.country)
    make.referral(org, other, sent_at=at(day))
    make.referral(other, org, status=Referral.Status.DECLINED, sent_at=at(day), decided_at=at(day))
    make.consultation(other, org, at(day), replies_from=[org])
    group = make.run(org)
    done = make.enrolment(group, Enrolment.Status.COMPLETED, created_at=at(day), ended_at=at(day))
    make.attendance(make.session(group, day), done)
    make.session(make.run(org, drop_in=True), day, head_count=3)
    make.self_referral(org, at(day))


def test_a_scope_without_data_shows_zeros(places):
    f = figure("referrals", places.gamma)
    assert f.table.total == 0 and f.rounded_total == 0 and f.share is None and f.change == 0


# --- Reports read together (threshold 5) ----------------------------------------------------------


@pytest.fixture
def nested():
    """Alfa with sub-unit Beta, which has sub-unit Gamma, all in Stavanger."""
    make.municipality("1103", "Stavanger", "Rogaland")
    alfa = make.organisation("Alfa", municipality="1103")
    beta = make.organisation("Beta", parent=alfa, municipality="1103")
    gamma = make.organisation("Gamma", parent=beta, municipality="1103")
    return SimpleNamespace(alfa=alfa, beta=beta, gamma=gamma)


def test_a_part_opened_on_its_own_cannot_be_subtracted_from_the_whole(nested):
    """Alfa itself: 2 with minor children, 10 without; Beta itself 4 and 10; Gamma 3 and 10. On their own, Alfa's
    table would hide Beta's row (7, 20) but show its column total 9, while Beta's own table shows 7: 9 - 7 = 2."""
    for org, has in [(nested.alfa, 2), (nested.beta, 4), (nested.gamma, 3)]:
        make.episodes(org, has, MID, answer=ChildrenAnswer.HAS)
        make.episodes(org, 10, MID, answer=ChildrenAnswer.NONE)

    alfa = figure("children_answer", nested.alfa, threshold=5)
    beta = figure("children_answer", nested.beta, threshold=5)

    assert alfa.table.cells[1] == beta.table.column_totals  # Beta's row is Beta's own totals, hidden alike
    assert alfa.table.row_totals[1] == beta.table.total
    has_alfa, has_beta = alfa.table.column_totals[0], beta.table.column_totals[0]
    assert alfa.table.cells[0][0] is None  # Alfa itself: 2
    assert has_alfa is None or has_beta is None  # or 9 - 7 would give the 2 away
    for table in (alfa.table, beta.table, alfa.previous):
        for row in [*table.cells, table.row_totals, table.column_totals]:
            assert all(v is None or v == 0 or v >= 5 for v in row)


def test_zone_tables_of_a_unit_and_its_sub_unit_cannot_be_subtracted(nested):
    make.responses(nested.alfa, "audit", MID, 1, count=2)
    make.responses(nested.beta, "audit", MID, 1, count=10)
    make.responses(nested.beta, "audit", MID, 2, count=6)
    geography = Geography()

    alfa = kpis.zone_distribution(geography.organisation(nested.alfa.pk), PERIOD, threshold=5)
    beta = kpis.zone_distribution(geography.organisation(nested.beta.pk), PERIOD, threshold=5)

    assert alfa.instruments == beta.instruments == ["audit"] and alfa.levels == beta.levels == [1, 2]
    # 12 and 10 at level 1, 18 and 16 in all: never both shown, or Alfa's own 2 would show.
    assert alfa.table.cells[0][0] is None or beta.table.cells[0][0] is None
    assert alfa.table.total is None or beta.table.total is None
