"""Statistics roles never reach persons, and only statistics roles reach statistics.

Analysts and organisation admins (Capability.VIEW_STATISTICS without VIEW_PERSONAL_DATA) are sent to every
page of the person-level apps, with the ids of real objects of their own organisation: none may answer with
personal data (a 200 is fine only for pages without any, such as the public help directory). Every other role
gets 403 on every statistics page, and anonymous users are sent to log in.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import get_resolver, reverse
from django.utils import timezone

from kindred.audit.models import AccessLog
from kindred.care import services as care
from kindred.care.tests.factories import patient_with_children
from kindred.directory.models import Relation, SelfReferral
from kindred.instruments.models import Instrument
from kindred.instruments.services import sync_builtin_instruments
from kindred.orgs.models import Role
from kindred.programs import services as programs
from kindred.programs.tests.factories import offer, participant, run
from kindred.referrals.models import Consultation, Notification, Referral
from kindred.referrals.tests.factories import consent
from kindred.surveys.models import Campaign

pytestmark = pytest.mark.django_db

PERSON_NAMESPACES = ("care", "people", "consent", "cooperation", "instruments", "surveys", "directory", "programs")
# Strings that only the personal data created below contains.
SECRETS = ("Quixbury", "Zelda", "Kimberly", "Tonjette", "Ulrikke", "47 11 22 33", "ulrikke@example.no")
REPORT_PAGES = [
    ("reports:dashboard", []),
    ("reports:metric", ["children_question"]),
    ("reports:youth", []),
    ("reports:export", ["csv"]),
    ("reports:export", ["xlsx"]),
    ("reports:youth_export", ["csv"]),
    ("reports:youth_export", ["xlsx"]),
]


@pytest.fixture
def objects(world):
    """One real object of each kind the person-level pages are about, in the unit of the analyst and admin."""
    cora = world.actor(world.clinician)
    today = timezone.localdate()
    episode, (child,) = patient_with_children(
        cora, given_name="Zelda", family_name="Quixbury", children=(("Kimberly", 9),)
    )
    patient = episode.patient
    task = care.create_task(cora, episode, title="Følg opp Kimberly", assignee_id=world.clinician.pk, due_on=today)
    report = care.send_concern_report(
        cora,
        episode,
        child,
        care.ConcernData(
            recipient="Barnevernet", basis="own_initiative", reason="Quixbury", parent_informed=True, sent_on=today
        ),
    )
    given = consent(cora, patient, world.other)
    referral = Referral.objects.create(
        from_organisation=world.unit,
        to_organisation=world.other,
        person=patient,
        consent=given,
        categories=["children"],
        reason="Zelda Quixbury trenger hjelp",
        status=Referral.Status.SENT,
        created_by=world.clinician,
        sent_at=timezone.now(),
    )
    incoming = Referral.objects.create(
        from_organisation=world.other,
        to_organisation=world.unit,
        person=patient,
        categories=["children"],
        reason="Zelda Quixbury",
        status=Referral.Status.ACCEPTED,
        sent_at=timezone.now(),
    )
    consultation = Consultation.objects.create(
        from_organisation=world.unit,
        to_organisation=world.other,
        asked_by=world.clinician,
        title="Om Zelda Quixbury",
        question="Hva gjør vi med Kimberly?",
        person=patient,
    )
    notification = Notification.objects.create(
        organisation=world.unit, kind=Notification.Kind.REFERRAL, message="Ny henvisning", url="/"
    )
    programme = run(world, title="Gruppe for Quixbury-familien")
    person = participant(world, name="Tonjette Quixbury", phone="47 11 22 33")
    enrolment = programs.enrol(world.actor(world.coordinator), programme, person)
    session = programme.sessions.order_by("number").first()
    help_offer = offer(world.unit)
    self_referral = SelfReferral.objects.create(
        offer=help_offer,
        organisation=world.unit,
        help_wanted="Jeg trenger hjelp, Ulrikke Quixbury",
        age=17,
        relation=Relation.PARENT,
        name="Ulrikke Quixbury",
        contact_method=SelfReferral.ContactMethod.EMAIL,
        email="ulrikke@example.no",
        consented_at=timezone.now() - timedelta(days=1),
    )
    sync_builtin_instruments()
    instrument = Instrument.objects.filter(organisation__isnull=True).order_by("key").first()
    campaign = Campaign.objects.create(organisation=world.unit, title="Spørreundersøkelse", created_by=world.admin)
    measures = list(programme.template.measures or [])
    return {
        "episode": episode.pk,
        "patient": patient.pk,
        "child": child.pk,
        "task": task.pk,
        "concern_report": report.pk,
        "consent": given.pk,
        "referral": referral.pk,
        "incoming": incoming.pk,
        "consultation": consultation.pk,
        "notification": notification.pk,
        "run": programme.pk,
        "template": programme.template_id,
        "session": session.pk,
        "enrolment": enrolment.pk,
        "offer": help_offer.pk,
        "self_referral": self_referral.pk,
        "instrument": instrument.pk,
        "campaign": campaign.pk,
        "measure": measures[0] if measures else "relatives_self_check",
    }


def _pk_for(namespace: str, name: str, o: dict) -> int:
    """The object a URL's `pk` names, by the URL's namespace and name."""
    if namespace == "care":
        return {"task_status": o["task"], "concern_feedback": o["concern_report"]}.get(name, o["episode"])
    if namespace == "people":
        return o["patient"]
    if namespace == "consent":
        return o["consent"]
    if namespace == "cooperation":
        if name.startswith("consultation"):
            return o["consultation"]
        if name.startswith("notification"):
            return o["notification"]
        return o["referral"]
    if namespace == "surveys":
        return o["campaign"]
    if namespace == "directory":
        return o["self_referral"] if name.startswith("inbox") else o["offer"]
    if namespace == "programs":
        for prefix in ("enrolment", "session", "run", "template"):
            if name.startswith(prefix):
                return o[prefix]
    return 1


def _kwargs(namespace: str, name: str, names: list[str], o: dict) -> dict:
    values = {
        "person_pk": o["patient"],
        "child_pk": o["child"],
        "session_pk": o["session"],
        "instrument_pk": o["instrument"],
        "key": o["measure"],
        "phase": programs.MEASURE_PHASES[0],
        "token": "not-a-token",
    }
    return {n: _pk_for(namespace, name, o) if n == "pk" else values.get(n, 1) for n in names}


def person_urls(o: dict) -> list[str]:
    urls = []
    resolver = get_resolver()
    for namespace in PERSON_NAMESPACES:
        _prefix, sub = resolver.namespace_dict[namespace]
        for name, entries in sub.reverse_dict.lists():
            if not isinstance(name, str):
                continue
            possibilities = entries[0][0]
            _pattern, params = possibilities[0]
            urls.append(reverse(f"{namespace}:{name}", kwargs=_kwargs(namespace, name, params, o)))
    return sorted(set(urls))


def test_every_namespace_is_checked(objects):
    urls = person_urls(objects)
    for prefix in ("/care/", "/people/", "/consent/", "/cooperation/", "/instruments/", "/surveys/", "/help/"):
        assert any(u.startswith(prefix) for u in urls), prefix
    assert f"/people/{objects['patient']}/" in urls
    assert f"/care/episodes/{objects['episode']}/" in urls
    assert len(urls) > 60


def _leaks(response) -> list[str]:
    if response.status_code != 200:
        return []
    body = response.content.decode("utf-8", "replace")
    return [s for s in SECRETS if s in body]


@pytest.mark.parametrize("persona", ["analyst", "admin"])
def test_statistics_roles_never_reach_personal_data(world, objects, persona):
    user = getattr(world, persona)
    client = world.client_for(user)
    # The clinician's own page shows the secrets, so the check would catch them.
    assert _leaks(world.client_for(world.clinician).get(f"/people/{objects['patient']}/"))
    failures = []
    for url in person_urls(objects):
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            status = response.status_code
            if status not in (200, 302, 403, 404, 405):
                failures.append(f"{method.upper()} {url}: {status}")
            elif leaked := _leaks(response):
                failures.append(f"{method.upper()} {url}: shows {leaked}")
            elif status == 302 and response["Location"].startswith(("/people/", "/care/episodes/")):
                failures.append(f"{method.upper()} {url}: redirects to {response['Location']}")
    assert failures == []
    assert not AccessLog.objects.filter(user=user, subject__isnull=False).exists()
    assert not AccessLog.objects.filter(user=user, action=AccessLog.Action.EXPORT).exists()


@pytest.mark.parametrize("persona", ["clinician", "child_responsible", "coordinator", "group_leader", "outsider"])
def test_other_roles_get_403_on_every_statistics_page(world, persona):
    client = world.client_for(getattr(world, persona))
    for name, args in REPORT_PAGES:
        assert client.get(reverse(name, args=args)).status_code == 403, name
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


def test_every_statistics_page_is_listed():
    _prefix, sub = get_resolver().namespace_dict["reports"]
    names = {f"reports:{n}" for n in sub.reverse_dict if isinstance(n, str)}
    assert names == {name for name, _args in REPORT_PAGES}


def test_anonymous_users_are_sent_to_log_in(client, world):
    for name, args in REPORT_PAGES:
        url = reverse(name, args=args)
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("accounts:login")), name


def test_statistics_roles_reach_statistics(world):
    for user in (world.analyst, world.admin):
        client = world.client_for(user)
        for name, args in REPORT_PAGES:
            assert client.get(reverse(name, args=args)).status_code == 200, (user, name)


def test_a_member_without_any_membership_gets_403(world):
    from kindred.accounts.models import User

    user = User.objects.create_user("nobody@example.no", "x" * 20, full_name="No Body")
    client = world.client_for(user)
    assert client.get(reverse("reports:dashboard")).status_code == 403


def test_a_member_with_two_roles_sees_statistics_only_as_analyst(world):
    from kindred.orgs.models import Membership

    Membership.objects.create(user=world.clinician, organisation=world.unit, role=Role.ANALYST)
    client = world.client_for(world.clinician)
    analyst = Membership.objects.get(user=world.clinician, role=Role.ANALYST)
    response = client.post(reverse("orgs:switch"), {"membership": analyst.pk})
    assert response.status_code == 302
    assert client.get(reverse("reports:dashboard")).status_code == 200
