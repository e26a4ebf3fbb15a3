"""The permission matrix: every URL name and every API operation, for every role and for anonymous users, with
the own organisation's objects and a foreign organisation's, against the rules in access_matrix.py.

The objects are made once for the module (through the services, the way users make them), for the own unit and a
foreign organisation alike; each request runs in a savepoint rolled back afterwards, so a POST that changes or
deletes an object does it for that request only. A URL name or API operation without a rule fails with the line to
add.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from kindred.api import api
from kindred.audit.models import AccessLog
from kindred.care import services as care
from kindred.care.tests.factories import patient_with_children, second_clinician
from kindred.consent.models import Category
from kindred.directory import services as directory
from kindred.instruments import services as instruments
from kindred.orgs.actors import Actor
from kindred.orgs.models import Membership, Role
from kindred.orgs.services import issue_api_token
from kindred.people.access import break_the_glass
from kindred.programs import services as programs
from kindred.programs.tests.factories import builtin, municipality, offer, participant, run
from kindred.referrals import services as referrals
from kindred.referrals.models import Notification
from kindred.referrals.tests.factories import actor_for, consent, nurse, school_health
from kindred.surveys.tests.factories import campaign
from kindred.testing import World, build_world, make_user
from kindred.tests import access_matrix as spec
from kindred.tests.access_matrix import API_RULES, NAMESPACE_RULES, URL_RULES, Rule

SPEC_FILE = "kindred/tests/access_matrix.py"
ROLES = [role.value for role in Role]
DENIED = (403, 404)
NOT_REACHED = (401, 403, 404, 405)  # a write that got past the access check answers none of these
LOGIN_URL = "/login/"
INSTRUMENTS = Path(instruments.__file__).resolve().parent / "definitions"


# --- Which URL names and operations exist ---------------------------------------------------------------------


def _walk(resolver: URLResolver, namespace: tuple[str, ...] = (), prefix: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = (*namespace, pattern.namespace) if pattern.namespace else namespace
            yield from _walk(pattern, inner, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield ":".join((*namespace, pattern.name)), prefix + str(pattern.pattern), pattern


def _openapi_operations() -> dict[str, dict]:
    schema = api.get_openapi_schema()
    return {
        f"{method.upper()} {path}": operation
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    }


def _api_route(path: str) -> str:
    """'/api/v1/persons/{person_id}' -> 'api/v1/persons/<person_id>', as the URL resolver spells it."""
    return path.lstrip("/").replace("{", "<").replace("}", ">")


OPERATIONS = _openapi_operations()
API_ROUTES = {_api_route(key.split(" ", 1)[1]) for key in OPERATIONS}
URL_NAMES = sorted(
    {name for name, route, _pattern in _walk(get_resolver()) if not (name.startswith("api:") and route in API_ROUTES)}
)


# --- The data: two organisations with one of everything -----------------------------------------------------


def _foreign_world(own: World) -> World:
    other = own.other
    return World(
        unit=other,
        other=own.unit,
        clinician=own.outsider,
        child_responsible=make_user("bo.f@example.no", "Bo Foreign", other, Role.CHILD_RESPONSIBLE),
        coordinator=make_user("cato.f@example.no", "Cato Foreign", other, Role.COORDINATOR),
        group_leader=make_user("grete.f@example.no", "Grete Foreign", other, Role.GROUP_LEADER),
        analyst=make_user("ali.f@example.no", "Ali Foreign", other, Role.ANALYST),
        admin=make_user("ada.f@example.no", "Ada Foreign", other, Role.ORG_ADMIN),
        outsider=own.clinician,
    )


def _own_instrument(world: World, tag: str):
    data = json.loads((INSTRUMENTS / "relatives_self_check.json").read_text(encoding="utf-8"))
    data.update(key=f"own_check_{tag}", audience="both", title={"nb": f"Eget {tag}", "da": "Eget", "en": "Own"})
    return instruments.upload_instrument(world.actor(world.admin), json.dumps(data))


def _forums_and_courses(world: World, tag: str) -> dict:
    """A network of the unit with a held meeting and a shared document; a course only the unit sees, and the
    child-responsible's enrolment in it."""
    from datetime import date

    from kindred.competence import services as competence
    from kindred.competence.models import Course
    from kindred.forums import services as forums
    from kindred.forums.models import MeetingSeries
    from kindred.networks.models import Network, NetworkMembership

    network = Network.objects.create(name=f"Forum {tag}", kind=Network.Kind.CHILD_RESPONSIBLE_FORUM)
    NetworkMembership.objects.create(network=network, organisation=world.unit, joined_on=date(2025, 1, 1))
    bo = world.actor(world.child_responsible)
    series = forums.plan_series(
        bo,
        forums.SeriesData(
            network.pk, f"Forum {tag}", MeetingSeries.Recurrence.MONTHLY, timezone.now().time(), date(2025, 1, 14)
        ),
    )
    meeting = series.meetings.get()
    course = Course.objects.create(
        provider=world.unit, kind=Course.Kind.E_LEARNING, title=f"Kurs {tag}", open_to_all=False
    )
    return {
        "forum_network": network,
        "forum_series": series,
        "forum_meeting": meeting,
        "forum_document": forums.add_document(bo, meeting, title="Veileder", url="https://example.no/v.pdf"),
        "course": course,
        "course_enrolment": competence.enrol(bo, course),
    }


def _imports_library_networks(world: World, tag: str) -> dict:
    """The coordinator's checked upload of one family; a public library item of the unit; a network of the unit
    with one of the unit's templates and one of its items already shared (and another of each still to share)."""
    from kindred.care.tests.factories import years_ago
    from kindred.imports import services as imports
    from kindred.imports.tests.helpers import csv_bytes, family
    from kindred.library import services as library
    from kindred.library.models import Audience, Item, Language
    from kindred.networks import services as networks
    from kindred.networks.tests.factories import network

    cato, ada = world.actor(world.coordinator), world.actor(world.admin)
    rows = family("1", {"given_name": f"Ina{tag}", "family_name": "Import", "birth_date": years_ago(38).isoformat()})
    batch = imports.check_all(cato, imports.upload(cato, f"{tag}.csv", csv_bytes(rows)))
    assert batch.status == batch.Status.VALID, batch.report

    def item(title: str, public: bool) -> Item:
        data = library.ItemData(
            Item.Kind.LEAFLET, title, public=public, audiences=[Audience.CHILDREN_6_12], languages=[Language.NB]
        )
        return library.save_item(ada, None, data)

    made = network(world.unit, name=f"Nettverk {tag}")
    shared_template = programs.copy_template(cato, builtin("self-help-group"))
    shared_item = item(f"Delt {tag}", public=False)
    networks.share_template(cato, made, shared_template.pk)
    networks.share_item(ada, made, shared_item.pk)
    return {
        "import_batch": batch,
        "library_item": item(f"Brosjyre {tag}", public=True),
        "network": made,
        "network_template": shared_template,
        "network_item": shared_item,
    }


def _objects(world: World, tag: str) -> dict:
    """One of every object a URL or an operation names, in `world.unit`, made by its members."""
    today = timezone.localdate()
    cora, cato = world.actor(world.clinician), world.actor(world.coordinator)
    episode, (kim,) = patient_with_children(
        cora, given_name=f"Pia{tag}", family_name="Matrise", child_contact=world.child_responsible
    )
    patient = episode.patient
    partner = school_health(f"Skolehelse {tag}")
    helle = actor_for(nurse(partner, f"helle.{tag}@example.no"))
    consent(cora, patient, partner, (Category.CHILDREN, Category.EPISODE))
    shared = patient_with_children(helle, given_name=f"Delt{tag}", family_name="Skole", children=())[0].patient
    consent(helle, shared, world.unit, (Category.CHILDREN, Category.EPISODE))
    dan = second_clinician(world.unit, f"dan.{tag}@example.no")
    dans_patient = patient_with_children(world.actor(dan), given_name=f"Dans{tag}", children=())[0].patient
    referrals.set_agreement(cora, kim, task="school", responsible_organisation_id=partner.pk)
    referrals.notify(world.unit, "referral", "Matrise", "/cooperation/referrals/", user=world.clinician)
    help_offer = offer(world.unit, municipalities=[municipality()], youth_intake=True, name=f"Tilbud {tag}")
    planned = run(world, "stress-strain-coping-support")
    thermometer = next(i for i in instruments.instruments_for(cora) if i.key == "feelings_thermometer")
    objects = {
        "episode": episode,
        "patient": patient,
        "child": kim,
        "agreement_child": kim,
        "partner": partner,
        "task": care.create_task(cora, episode, title="Følg opp", assignee_id=world.clinician.pk, due_on=today),
        "concern_report": care.send_concern_report(
            cora,
            episode,
            kim,
            care.ConcernData(
                recipient="Barnevernet", basis="own_initiative", reason="Bekymring", parent_informed=True, sent_on=today
            ),
        ),
        "consent": consent(cora, patient, partner, (Category.CHILDREN,)),
        "shared_person": shared,
        "grant": break_the_glass(cora, dans_patient.pk, "Akutt innleggelse i natt."),
        "referral": referrals.create_referral(
            cora,
            patient,
            referrals.ReferralData(
                to_organisation_id=partner.pk,
                reason="Kim trenger en trygg voksen.",
                categories=[Category.CHILDREN, Category.EPISODE],
                child_ids=(kim.pk,),
            ),
        ),
        "consultation": referrals.ask_consultation(
            cora, to_organisation_id=partner.pk, title="Råd", question="Hva gjør vi?", person=patient
        ),
        "notification": Notification.objects.filter(organisation=world.unit).latest("pk"),
        "offer": help_offer,
        "self_referral": directory.submit_self_referral(
            help_offer,
            directory.SelfReferralData(
                help_wanted="Mamma drikker hver helg.",
                age=17,
                relation="parent",
                contact_method="sms",
                consent=True,
                name="Sara",
                phone="912 34 567",
            ),
        ),
        "template": programs.copy_template(cato, builtin("self-help-group")),
        "run": planned,
        "session": planned.sessions.order_by("pk").first(),
        "participant": (person := participant(world, name=f"Tone {tag}")),
        "enrolment": programs.enrol(cato, planned, person),
        "instrument": _own_instrument(world, tag),
        "response": instruments.record_response(cora, thermometer, patient, {"today": 5}),
        "campaign": (made := campaign(world.actor(world.analyst), title=f"Trivsel {tag}")),
        "campaign_token": made.token,
        "membership": Membership.objects.get(user=world.analyst, organisation=world.unit),
        "token": issue_api_token(cora, name="Matrise")[0],
        "org_token": None,  # the same token, as the organisation's admins see it (set below)
        "selftest_key": instruments.instruments_for(None, audience="public")[0].key,
        **_forums_and_courses(world, tag),
        **_imports_library_networks(world, tag),
    }
    objects["org_token"] = objects["token"]
    objects["own_template"] = objects["template"]
    return objects


@dataclass
class Persona:
    label: str  # a role, or "anonymous"
    user: object | None
    client: Client  # logged in for the web
    api: Client  # with the persona's API token

    def actor(self) -> Actor:
        if self.user is None:
            return Actor(None)
        return Actor(self.user, Membership.objects.for_user(self.user).first())


@dataclass
class Matrix:
    own: dict
    foreign: dict
    personas: list[Persona]


def _persona(label: str, user) -> Persona:
    client, api_client = Client(), Client()
    if user is not None:
        client.force_login(user)
        membership = Membership.objects.for_user(user).first()
        plain = issue_api_token(Actor(user, membership), name="Matrix")[1]
        api_client = Client(HTTP_AUTHORIZATION=f"Bearer {plain}")
    return Persona(label, user, client, api_client)


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker):
    """Built once: the module holds one transaction open and rolls it back at the end (like setUpTestData)."""
    with django_db_blocker.unblock(), transaction.atomic():
        own = build_world()
        foreign = _foreign_world(own)
        personas = [_persona("anonymous", None)] + [_persona(role, own.by_role[role]) for role in ROLES]
        yield Matrix(_objects(own, "own"), _objects(foreign, "foreign"), personas)
        transaction.set_rollback(True)


# --- What the rules expect ---------------------------------------------------------------------------------------

SCOPES = spec._scopes()


def _allowed(rule: Rule, actor: Actor, objects: dict) -> bool:
    if rule.access == spec.PUBLIC:
        return True
    if actor.user is None:
        return False
    if rule.access == spec.LOGIN:
        return True
    if rule.access == spec.MEMBER:
        return actor.membership is not None
    if rule.capabilities and not any(actor.can(c) for c in rule.capabilities):
        return False
    if rule.access == spec.SCOPED:
        return SCOPES[rule.obj](actor, objects[rule.obj])
    return rule.access in (spec.CAPABILITY, spec.LISTED)


def _empty_list(response) -> bool:
    if response.status_code != 200 or "json" not in response.get("Content-Type", ""):
        return False
    body = response.json()
    if isinstance(body, dict) and body.get("resourceType") == "Bundle":
        return body.get("total") == 0 and not body.get("entry")
    return body == [] or (isinstance(body, dict) and body.get("count") == 0 and not body.get("items"))


def _value(key: str, objects: dict):
    if key.startswith("="):
        return key[1:]
    value = objects[key]
    return getattr(value, "pk", value)


def _fields(rule: Rule, objects: dict, persona: Persona) -> dict:
    """The rule's form or body fields; "@key" is the pk of that fixture object."""
    own = {"own_membership": getattr(persona.actor().membership, "pk", 0)}
    return {
        name: _value(value[1:], {**objects, **own}) if str(value).startswith("@") else value
        for name, value in rule.data.items()
    }


def _log_rows(persona: Persona, rule: Rule, objects: dict) -> int:
    rows = AccessLog.objects.filter(user=persona.user)
    subject = objects.get(rule.obj) if rule.obj in ("patient", "child", "shared_person", "agreement_child") else None
    return rows.filter(subject=subject).count() if subject is not None else rows.count()


def _check(persona: Persona, rule: Rule, objects: dict, *, foreign: bool, send, login_answer: int) -> list[str]:
    """One request in a savepoint rolled back afterwards, so that every persona meets the objects as they were made
    (a role allowed to delete or unshare does not take the object away from the roles after it)."""
    with transaction.atomic():
        problems = _answer(persona, rule, objects, foreign=foreign, send=send, login_answer=login_answer)
        transaction.set_rollback(True)
    return problems


def _answer(persona: Persona, rule: Rule, objects: dict, *, foreign: bool, send, login_answer: int) -> list[str]:
    """One request; the problems with its answer (empty when it is as the rule says)."""
    actor = persona.actor()
    allowed = not foreign and _allowed(rule, actor, objects)
    if foreign and rule.access == spec.SCOPED and persona.user is not None:
        # The own role's view of a foreign object: the access rule itself must say no.
        assert not SCOPES[rule.obj](actor, objects[rule.obj]), f"the fixture's foreign {rule.obj} is visible"
    logged = _log_rows(persona, rule, objects) if persona.user else 0
    cookies = copy.deepcopy(persona.client.cookies)
    response = send()
    persona.client.cookies = cookies  # a logout or a new session must not leak into the next request
    status = response.status_code
    where = f"{persona.label} ({'foreign' if foreign else 'own'} organisation's object): got {status}"
    if "json" in response.get("Content-Type", ""):
        where += f" {response.content[:160].decode(errors='replace')}"
    if status >= 500:
        return [f"{where}, a server error"]
    if persona.user is None and rule.access not in (spec.PUBLIC, spec.STAFF):
        if status != login_answer:
            return [f"{where}, expected {login_answer} (log in)"]
        if status == 302 and not response["Location"].startswith(LOGIN_URL):
            return [f"{where}, redirected to {response['Location']} instead of the login page"]
        return []
    if rule.access == spec.STAFF:
        ok = status == 302 and "login" in response["Location"]
        return [] if ok else [f"{where}, expected a redirect to the admin login"]
    if not allowed:
        if status in DENIED or (rule.access == spec.LISTED and _empty_list(response)):
            return []
        return [f"{where}, expected 403 or 404" + (" or an empty list" if rule.access == spec.LISTED else "")]
    if rule.method == "get" and status not in rule.ok:
        return [f"{where}, expected {rule.ok}"]
    if rule.method != "get" and status in NOT_REACHED:
        return [f"{where}, expected the action to be allowed"]
    if rule.writes_audit and rule.method == "get" and status == 200 and _log_rows(persona, rule, objects) <= logged:
        return [f"{where}, but no access-log row was written for this personal data"]
    return []


def _missing(kind: str, key: str, table: str) -> str:
    rules = "public, login, member, capability, listed or scoped"
    return f'{kind} {key!r} has no access rule: add `"{key}": <rule>,` to {table} in {SPEC_FILE} ({rules}).'


# --- The web pages ------------------------------------------------------------------------------------------------


def _url_rule(name: str) -> Rule:
    if name in URL_RULES:
        return URL_RULES[name]
    namespace = name.split(":", 1)[0] if ":" in name else ""
    if namespace in NAMESPACE_RULES:
        return NAMESPACE_RULES[namespace]
    pytest.fail(_missing("URL name", name, "URL_RULES"))


def _reverse(name: str, rule: Rule, objects: dict) -> str | None:
    kwargs = {arg: _value(key, objects) for arg, key in rule.args.items()}
    try:
        return reverse(name, kwargs=kwargs or None)
    except Exception as error:  # NoReverseMatch: the rule does not say how to fill the URL
        if rule.access == spec.STAFF:
            return None  # admin pages on one object: covered by the namespace's argument-free pages
        pytest.fail(f"{name}: cannot build its URL from the rule's args {rule.args} ({error}); fix it in {SPEC_FILE}")


@pytest.mark.parametrize("name", URL_NAMES)
def test_page(matrix, db, name):
    rule = _url_rule(name)
    if rule.access == spec.NOT_CHECKED:
        pytest.skip(rule.reason)
    _assert_someone_allowed(name, rule, matrix)
    problems: list[str] = []
    for foreign in (False, True) if rule.access == spec.SCOPED else (False,):
        objects = matrix.foreign if foreign else matrix.own
        url = _reverse(name, rule, objects)
        if url is None:
            return
        for persona in matrix.personas:
            client = persona.api if rule.via_token else persona.client

            def send(persona=persona, url=url, client=client, objects=objects):
                if rule.method == "get":
                    return client.get(url)
                return client.post(url, _fields(rule, objects, persona))

            login_answer = 401 if rule.via_token else 302
            problems += _check(persona, rule, objects, foreign=foreign, send=send, login_answer=login_answer)
    assert not problems, f"{name} ({url}):\n  " + "\n  ".join(problems)


def _assert_someone_allowed(name: str, rule: Rule, matrix: Matrix) -> None:
    """A rule no persona passes cannot tell a working access check from a broken one."""
    if rule.access in (spec.CAPABILITY, spec.LISTED, spec.SCOPED):
        assert any(_allowed(rule, p.actor(), matrix.own) for p in matrix.personas), (
            f"{name}: no role may use it with the fixture's objects, so the matrix proves nothing"
        )


def test_every_rule_names_a_url_or_operation():
    stale = sorted(set(URL_RULES) - set(URL_NAMES) - {n for n in URL_RULES if n.startswith("api:")})
    stale_api = sorted(set(API_RULES) - set(OPERATIONS))
    assert not stale and not stale_api, f"rules for URLs or operations that no longer exist: {stale + stale_api}"


# --- The API ------------------------------------------------------------------------------------------------------

COMPONENTS = api.get_openapi_schema()["components"]["schemas"]


def _example(schema: dict, depth: int = 0):
    """The smallest valid JSON for a schema: required fields only, the first choice of each enum."""
    if "$ref" in schema:
        return _example(COMPONENTS[schema["$ref"].rsplit("/", 1)[1]], depth)
    for combined in ("anyOf", "oneOf", "allOf"):
        if combined in schema:
            options = [s for s in schema[combined] if s.get("type") != "null"]
            return _example(options[0], depth) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        return {name: _example(properties[name], depth + 1) for name in schema.get("required", [])}
    if kind == "array":
        count = schema.get("minItems", 0)
        return [_example(schema.get("items", {}), depth + 1) for _ in range(count)]
    if kind == "integer":
        return max(schema.get("minimum", 1), 1)
    if kind == "number":
        return max(schema.get("minimum", 1), 1)
    if kind == "boolean":
        return True
    today = timezone.localdate()
    return {
        "date": today.isoformat(),
        "date-time": timezone.now().isoformat(),
        "time": "18:00:00",
        "email": "matrise@example.no",
    }.get(schema.get("format", ""), "Matrise" + "x" * max(schema.get("minLength", 0) - 7, 0))


def _body(operation: dict, rule: Rule, objects: dict, persona: Persona) -> dict | None:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        return {**(_example(content["application/json"]["schema"]) or {}), **_fields(rule, objects, persona)}
    if "multipart/form-data" in content:  # an upload: a small file in each required file field
        schema = content["multipart/form-data"]["schema"]
        return {name: SimpleUploadedFile("matrix.csv", b"given_name\n") for name in schema.get("required", [])}
    return None


def _api_rule(key: str) -> Rule:
    if key not in API_RULES:
        pytest.fail(_missing("API operation", key, "API_RULES"))
    return API_RULES[key]


@pytest.mark.parametrize("key", sorted(OPERATIONS))
def test_operation(matrix, db, key):
    rule = _api_rule(key)
    if rule.access == spec.NOT_CHECKED:
        pytest.skip(rule.reason)
    method, path = key.split(" ", 1)
    operation = OPERATIONS[key]
    params = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "path"]
    _assert_someone_allowed(key, rule, matrix)
    problems: list[str] = []
    for foreign in (False, True) if rule.access == spec.SCOPED else (False,):
        objects = matrix.foreign if foreign else matrix.own
        url = path
        for param in params:
            url = url.replace(f"{{{param}}}", str(_value(rule.args.get(param) or spec.API_PARAMS[param], objects)))
        for persona in matrix.personas:

            def send(persona=persona, url=url, objects=objects):
                call = getattr(persona.api, method.lower())
                body = _body(operation, rule, objects, persona)
                if body is None:
                    return call(url)
                if "multipart/form-data" in operation["requestBody"]["content"]:
                    return call(url, body)
                return call(url, json.dumps(body), content_type="application/json")

            problems += _check(persona, rule, objects, foreign=foreign, send=send, login_answer=401)
    assert not problems, f"{key} ({url}):\n  " + "\n  ".join(problems)


def test_a_page_without_a_rule_fails_with_the_line_to_add():
    with pytest.raises(pytest.fail.Exception, match='add `"newapp:page": <rule>,` to URL_RULES'):
        _url_rule("newapp:page")
    with pytest.raises(pytest.fail.Exception, match="to API_RULES"):
        _api_rule("GET /api/v1/new-things")
