"""Who may open what: one access rule per URL name and per API operation, checked by test_permission_matrix.py.

A rule says *which* rule applies, not a status per role: the test works the expected status out for each role in
ROLE_CAPABILITIES, for anonymous users, and for the own and a foreign organisation's objects.

- `public()`: anyone, logged in or not.
- `login()`: any logged-in user (anonymous users are sent to the login page; the API answers 401).
- `member()`: a logged-in user with a role in an organisation.
- `capability(*caps)`: a role holding one of `caps` (others get 403 or 404).
- `listed(*caps)`: a list built on the access rule: roles holding one of `caps` get it, the others are refused
  (403 or 404) or get an empty list.
- `scoped(obj, *caps)`: the object `obj` of the fixture, visible through the access rule in SCOPES[obj] (and, when
  given, one of `caps`); everyone else gets 403 or 404, and a foreign organisation's object is never shown.
- `staff()`: Django's admin, for staff accounts only (no persona is staff).
- `not_checked(reason)`: left out of the matrix, with the reason (kept rare: each one is a hole).

`args` fill the URL: kwarg -> fixture object key ("=value" for a literal). `data` are form fields or a JSON body's
fields ("@key": that object's pk; "@own_membership": the requesting user's). `personal=True` (the default for scopes
on personal data) means a successful answer must have written an access-log row for the requesting user.
A new URL name or API operation without a rule here fails the test with the line to add.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from kindred.orgs.models import Capability as C

PUBLIC, LOGIN, MEMBER, CAPABILITY, LISTED, SCOPED, STAFF, NOT_CHECKED = (
    "public",
    "login",
    "member",
    "capability",
    "listed",
    "scoped",
    "staff",
    "not checked",
)


@dataclass(frozen=True)
class Rule:
    access: str
    capabilities: tuple[str, ...] = ()  # any one of them suffices
    obj: str = ""  # the fixture object whose visibility (SCOPES[obj]) decides
    args: dict[str, str] = field(default_factory=dict)  # URL kwarg -> fixture object key, or "=literal"
    method: str = "get"
    data: dict = field(default_factory=dict)  # form fields or JSON body fields ("@key" -> that object's pk)
    personal: bool | None = None  # None: personal when `obj` is personal data (PERSONAL_OBJECTS), else False
    ok: tuple[int, ...] = (200,)  # allowed GET answers
    via_token: bool = False  # a URL outside the JSON API that takes the API token (FHIR), not the session
    reason: str = ""

    @property
    def writes_audit(self) -> bool:
        return self.personal if self.personal is not None else self.obj in PERSONAL_OBJECTS


OPTIONS = ("method", "data", "personal", "ok", "via_token")


def _rule(access: str, caps: tuple[str, ...] = (), obj: str = "", **kwargs) -> Rule:
    """Keyword arguments named in OPTIONS set those fields; every other one fills a URL kwarg."""
    options = {name: kwargs.pop(name) for name in OPTIONS if name in kwargs}
    return Rule(access, capabilities=caps, obj=obj, args=kwargs, **options)


def public(**kwargs) -> Rule:
    return _rule(PUBLIC, **kwargs)


def login(**kwargs) -> Rule:
    return _rule(LOGIN, **kwargs)


def member(**kwargs) -> Rule:
    return _rule(MEMBER, **kwargs)


def capability(*caps: str, **kwargs) -> Rule:
    return _rule(CAPABILITY, caps, **kwargs)


def listed(*caps: str, **kwargs) -> Rule:
    return _rule(LISTED, caps, **kwargs)


def scoped(obj: str, *caps: str, **kwargs) -> Rule:
    return _rule(SCOPED, caps, obj, **kwargs)


def staff() -> Rule:
    return Rule(STAFF)


def not_checked(reason: str) -> Rule:
    return Rule(NOT_CHECKED, reason=reason)


def pending(obj: str) -> Rule:
    """A page of an app still being built when the matrix was written: its object is not in the fixture yet."""
    return not_checked(f"to classify: needs a {obj} in test_permission_matrix._objects and a scoped() rule")


POST = "post"
VIEW, EDIT, OVERVIEW, CONCERN = C.VIEW_PERSONAL_DATA, C.EDIT_CASES, C.CHILDREN_OVERVIEW, C.SEND_CONCERN_REPORTS
MANAGE_PROG, RUN_PROG, STATS = C.MANAGE_PROGRAMMES, C.RUN_PROGRAMMES, C.VIEW_STATISTICS
ADMIN_ORG, ADMIN_MEMBERS = C.MANAGE_ORGANISATION, C.MANAGE_MEMBERS
SURVEYS = (STATS, ADMIN_ORG)
TEMPLATES = (ADMIN_ORG, MANAGE_PROG)
FORUM_TAKE_PART = (VIEW, C.COORDINATE, RUN_PROG, ADMIN_ORG)  # kindred.forums.services.TAKE_PART
FORUM_PLAN = (OVERVIEW, C.COORDINATE, ADMIN_ORG)  # kindred.forums.services.PLAN

# Fixture objects that are personal data: a successful answer about them must be in the access log.
PERSONAL_OBJECTS = {
    "patient",
    "child",
    "episode",
    "task",
    "concern_report",
    "consent",
    "grant",
    "shared_person",
    "referral",
    "consultation",
    "self_referral",
    "run",
    "session",
    "enrolment",
    "participant",
    "response",
    "import_batch",  # the uploaded file's rows: patients and children
}


def _scopes() -> dict[str, Callable]:
    """Fixture object -> (actor, object) -> may the actor see it, by the one access rule (people/access.py)
    and the querysets the apps build on it. Imported late: this module is read before Django is set up."""
    from kindred.care.services import visible_concern_reports, visible_tasks
    from kindred.competence.services import catalogue, enrolments_for
    from kindred.consent.services import consents_recorded_by, shared_persons
    from kindred.directory.services import offers_of
    from kindred.forums.services import visible_meetings, visible_series
    from kindred.imports.services import batches_of
    from kindred.instruments.services import instruments_for
    from kindred.library.services import own_items
    from kindred.networks.services import networks_for
    from kindred.orgs.services import members_of_active_organisation, tokens_of_active_organisation
    from kindred.people import access
    from kindred.programs.services import templates_for
    from kindred.referrals.services import (
        child_visible_for_agreements,
        notifications_for,
        visible_consultations,
        visible_referrals,
    )
    from kindred.surveys.services import campaigns_for

    def among(queryset_for):
        def visible(actor, obj) -> bool:
            try:
                return queryset_for(actor).filter(pk=obj.pk).exists()
            except PermissionError:
                return False

        return visible

    def session_visible(actor, session) -> bool:
        return access.visible_runs(actor).filter(pk=session.run_id).exists()

    def response_visible(actor, response) -> bool:
        return access.visible_persons(actor).filter(pk=response.person_id).exists()

    def own_organisation(actor, obj) -> bool:
        return actor.membership is not None and getattr(obj, "organisation_id", None) == actor.organisation.pk

    return {
        "patient": among(access.visible_persons),
        "child": among(access.visible_persons),
        "episode": among(access.visible_episodes),
        "task": among(visible_tasks),
        "concern_report": among(visible_concern_reports),
        "consent": among(consents_recorded_by),
        "grant": among(access.grants_to_review),
        "shared_person": among(shared_persons),
        "agreement_child": lambda actor, child: actor.can(VIEW) and child_visible_for_agreements(actor, child),
        "referral": among(visible_referrals),
        "consultation": among(visible_consultations),
        "notification": among(notifications_for),
        "offer": among(offers_of),
        "self_referral": among(access.visible_self_referrals),
        "template": among(templates_for),
        "own_template": lambda actor, t: among(templates_for)(actor, t) and own_organisation(actor, t),
        "run": among(access.visible_runs),
        "session": session_visible,
        "enrolment": among(access.visible_enrolments),
        "participant": among(access.visible_participants),
        "campaign": among(campaigns_for),
        "membership": among(members_of_active_organisation),
        "org_token": among(tokens_of_active_organisation),
        "token": lambda actor, token: actor.user is not None and token.user_id == actor.user.pk,
        "instrument": lambda actor, i: actor.membership is not None and i in instruments_for(actor),
        "response": response_visible,
        "forum_series": among(visible_series),
        "forum_meeting": among(visible_meetings),
        "forum_document": lambda actor, d: visible_meetings(actor).filter(pk=d.meeting_id).exists(),
        "course": among(catalogue),
        "course_enrolment": among(enrolments_for),
        "import_batch": among(batches_of),  # the coordinator who uploaded it, in its organisation
        "library_item": among(own_items),  # the organisation's admins manage its items
        "network": among(networks_for),  # staff of the member organisations, any role
    }


EPISODE = {"pk": "episode"}
EPISODE_CHILD = {"pk": "episode", "child_pk": "child"}

URL_RULES: dict[str, Rule] = {
    "start": public(ok=(200, 302)),
    "healthz": public(),
    "set_language": public(method=POST, ok=(302,)),
    # Accounts.
    "accounts:login": public(ok=(200, 302)),
    "accounts:two_factor_verify": public(ok=(200, 302)),
    "accounts:logout": public(method=POST, ok=(302,)),
    "accounts:profile": login(),
    "accounts:logout_everywhere": login(method=POST),
    "accounts:two_factor_setup": login(),
    "accounts:revoke_token": scoped("token", method=POST, pk="token"),
    "accounts:password_reset": public(),
    "accounts:password_reset_done": public(),
    "accounts:password_set": public(uidb64="=MQ", token="=not-a-token"),
    # Organisation administration.
    "orgs:switch": login(method=POST, data={"membership": "@own_membership"}),
    "orgs:members": capability(ADMIN_MEMBERS),
    "orgs:change_role": scoped("membership", ADMIN_MEMBERS, method=POST, pk="membership"),
    "orgs:remove": scoped("membership", ADMIN_MEMBERS, method=POST, pk="membership"),
    "orgs:two_factor_policy": capability(ADMIN_MEMBERS, method=POST),
    # The clinical work.
    "care:my_work": capability(VIEW),
    "care:intake": capability(EDIT),
    "care:relative_intake": capability(EDIT),
    "care:children": capability(OVERVIEW),
    "care:tasks": capability(VIEW),
    "care:task_status": scoped("task", EDIT, method=POST, pk="task"),
    "care:episode": scoped("episode", VIEW, **EPISODE),
    "care:children_answer": scoped("episode", EDIT, **EPISODE),
    "care:leave_intake": scoped("episode", EDIT, method=POST, **EPISODE),
    "care:new_task": scoped("episode", EDIT, **EPISODE),
    "care:discharge": scoped("episode", EDIT, **EPISODE),
    "care:child_sheet": scoped("episode", EDIT, **EPISODE_CHILD),
    "care:information": scoped("episode", EDIT, **EPISODE_CHILD),
    "care:concern_report": scoped("episode", CONCERN, **EPISODE_CHILD),
    "care:concern_feedback": scoped("concern_report", CONCERN, pk="concern_report"),
    "care:sheet_template": capability(ADMIN_ORG),
    # Persons.
    "people:search": capability(VIEW),
    "people:person": scoped("patient", pk="patient"),
    "people:relative_new": scoped("patient", EDIT, pk="patient"),
    "people:access_report": scoped("patient", pk="patient"),
    "people:break_glass": capability(EDIT),
    "people:break_glass_review": capability(OVERVIEW),
    "people:break_glass_reviewed": scoped("grant", method=POST, pk="grant"),
    # Consents and what others share with us.
    "consent:new": scoped("patient", EDIT, person_pk="patient"),
    "consent:revoke": scoped("consent", EDIT, method=POST, pk="consent"),
    "consent:shared": capability(VIEW),
    "consent:shared_person": scoped("shared_person", person_pk="shared_person"),
    # Cooperation.
    "cooperation:referrals": capability(VIEW),
    "cooperation:referral_new": scoped("patient", EDIT, person_pk="patient"),
    "cooperation:referral": scoped("referral", pk="referral"),
    "cooperation:referral_status": scoped("referral", EDIT, method=POST, pk="referral"),
    "cooperation:consultations": capability(VIEW),
    "cooperation:consultation_new": capability(VIEW),
    "cooperation:consultation": scoped("consultation", pk="consultation"),
    "cooperation:consultation_reply": scoped("consultation", method=POST, pk="consultation"),
    "cooperation:consultation_close": scoped("consultation", method=POST, pk="consultation"),
    "cooperation:agreements": scoped("agreement_child", child_pk="child", personal=True),
    "cooperation:notifications": capability(VIEW),
    "cooperation:notification_read": scoped("notification", method=POST, pk="notification"),
    # Instruments and the public self-tests.
    "instruments:list": member(),
    "instruments:upload": capability(ADMIN_ORG),
    "instruments:history": scoped("patient", person_pk="patient"),
    "instruments:choose": scoped("patient", person_pk="patient"),
    "instruments:fill_in": scoped("patient", person_pk="patient", instrument_pk="instrument"),
    "selftest:list": public(),
    "selftest:take": public(key="selftest_key"),
    # Surveys and their anonymous respondents.
    "surveys:list": capability(*SURVEYS),
    "surveys:new": capability(*SURVEYS),
    "surveys:detail": scoped("campaign", pk="campaign"),
    "surveys:open": scoped("campaign", method=POST, pk="campaign"),
    "surveys:close": scoped("campaign", method=POST, pk="campaign"),
    "surveys:codes": scoped("campaign", pk="campaign"),
    "surveys:codes_csv": scoped("campaign", method=POST, pk="campaign"),
    "surveys:report": scoped("campaign", pk="campaign"),
    "surveys:report_csv": scoped("campaign", ok=(200, 302), pk="campaign"),
    "surveys:report_xlsx": scoped("campaign", ok=(200, 302), pk="campaign"),
    "survey:start": public(token="campaign_token"),
    "survey:answer": public(token="campaign_token"),
    # The help directory: public search and self-referral, the organisation's offers and its inbox.
    "directory:search": public(),
    "directory:offer": public(pk="offer"),
    "directory:self_refer": public(pk="offer"),
    "directory:receipt": public(ok=(200, 302)),
    "directory:offers": capability(ADMIN_ORG),
    "directory:offer_new": capability(ADMIN_ORG),
    "directory:offer_edit": scoped("offer", ADMIN_ORG, pk="offer"),
    "directory:inbox": capability(MANAGE_PROG),
    "directory:inbox_detail": scoped("self_referral", pk="self_referral"),
    "directory:inbox_assign": scoped("self_referral", method=POST, pk="self_referral"),
    "directory:inbox_contacted": scoped("self_referral", method=POST, pk="self_referral"),
    "directory:inbox_close": scoped("self_referral", method=POST, pk="self_referral"),
    "directory:inbox_enrol": scoped("self_referral", method=POST, pk="self_referral"),
    "directory:inbox_client": scoped("self_referral", method=POST, pk="self_referral"),
    # Programmes for relatives.
    "programs:runs": capability(MANAGE_PROG, RUN_PROG),
    "programs:templates": capability(*TEMPLATES, RUN_PROG),
    "programs:template_new": capability(*TEMPLATES),
    "programs:template": scoped("template", pk="template"),
    "programs:template_edit": scoped("own_template", *TEMPLATES, pk="own_template"),
    "programs:template_copy": scoped("template", *TEMPLATES, method=POST, pk="template"),
    "programs:run_new": scoped("template", MANAGE_PROG, pk="template"),
    "programs:run": scoped("run", pk="run"),
    "programs:run_edit": scoped("run", MANAGE_PROG, pk="run"),
    "programs:run_finish": scoped("run", MANAGE_PROG, method=POST, pk="run"),
    "programs:run_cancel": scoped("run", MANAGE_PROG, method=POST, pk="run"),
    "programs:run_enrol": scoped("run", MANAGE_PROG, pk="run"),
    "programs:run_print": scoped("run", pk="run"),
    "programs:session": scoped("session", pk="session"),
    "programs:session_edit": scoped("session", MANAGE_PROG, personal=False, pk="session"),
    "programs:enrolment": scoped("enrolment", pk="enrolment"),
    "programs:enrolment_interview": scoped("enrolment", method=POST, pk="enrolment"),
    "programs:enrolment_withdraw": scoped("enrolment", MANAGE_PROG, method=POST, pk="enrolment"),
    "programs:enrolment_complete": scoped("enrolment", method=POST, pk="enrolment"),
    "programs:enrolment_note": scoped("enrolment", pk="enrolment", session_pk="session"),
    "programs:enrolment_measure": scoped("enrolment", pk="enrolment", key="=coping_questionnaire", phase="=baseline"),
    # Forums: only staff of the network's member organisations find its meetings.
    "forums:list": member(),
    "forums:series_new": capability(*FORUM_PLAN),
    "forums:series": scoped("forum_series", pk="forum_series"),
    "forums:meeting_add": scoped("forum_series", *FORUM_PLAN, method=POST, pk="forum_series"),
    "forums:meeting": scoped("forum_meeting", pk="forum_meeting"),
    "forums:meeting_edit": scoped("forum_meeting", *FORUM_TAKE_PART, pk="forum_meeting"),
    "forums:attendance": scoped("forum_meeting", *FORUM_TAKE_PART, pk="forum_meeting"),
    "forums:print": scoped("forum_meeting", pk="forum_meeting"),
    "forums:document_add": scoped("forum_meeting", *FORUM_TAKE_PART, method=POST, pk="forum_meeting"),
    "forums:document_remove": scoped("forum_document", *FORUM_TAKE_PART, method=POST, pk="forum_document"),
    # Staff competence.
    "competence:catalogue": member(),
    "competence:overview": capability(ADMIN_MEMBERS),
    "competence:course_new": capability(ADMIN_ORG),
    "competence:course": scoped("course", pk="course"),
    "competence:course_edit": scoped("course", ADMIN_ORG, pk="course"),
    "competence:course_enrol": scoped("course", method=POST, pk="course"),
    "competence:enrolment_complete": scoped(
        "course_enrolment", ADMIN_MEMBERS, ADMIN_ORG, method=POST, pk="course_enrolment"
    ),
    "competence:enrolment_withdraw": scoped("course_enrolment", method=POST, pk="course_enrolment"),
    # Statistics: anonymised, for analysts and organisation admins.
    "reports:dashboard": capability(STATS),
    "reports:metric": capability(STATS, key="=children_question"),
    "reports:youth": capability(STATS),
    "reports:youth_export": capability(STATS, fmt="=csv"),
    "reports:export": capability(STATS, fmt="=csv"),
    # The API's own pages (its operations are in API_RULES).
    "api:openapi-json": public(),
    "api:openapi-view": public(),
    # FHIR R4: the API token, never the session.
    "fhir:metadata": public(),
    "fhir:base": capability(EDIT, method=POST, via_token=True),
    "fhir:type": listed(VIEW, via_token=True, resource_type="=Patient"),
    "fhir:read": scoped("patient", via_token=True, resource_type="=Patient", resource_id="patient"),
    "people:export": scoped("patient", EDIT, pk="patient"),
    "orgs:tokens": capability(ADMIN_MEMBERS),
    "orgs:revoke_token": scoped("org_token", ADMIN_MEMBERS, method=POST, pk="token"),
    # Imports from spreadsheets: an upload is seen only by the coordinator who made it.
    "imports:upload": capability(C.COORDINATE),
    "imports:template_csv": capability(C.COORDINATE),
    "imports:template_xlsx": capability(C.COORDINATE),
    "imports:batch": scoped("import_batch", pk="import_batch"),
    "imports:check": scoped("import_batch", method=POST, pk="import_batch"),
    "imports:check_again": scoped("import_batch", method=POST, pk="import_batch"),
    "imports:start": scoped("import_batch", method=POST, pk="import_batch"),
    "imports:run": scoped("import_batch", method=POST, pk="import_batch"),
    # The information library: public items for everyone; the organisation's own items for its admins.
    "library:browse": public(),
    "library:item": public(pk="library_item"),
    "library:manage": capability(ADMIN_ORG),
    "library:item_new": capability(ADMIN_ORG),
    "library:item_edit": scoped("library_item", ADMIN_ORG, pk="library_item"),
    # Networks: seen by staff of the member organisations; templates shared by the roles that edit them, items by
    # organisation admins.
    "networks:list": member(),
    "networks:detail": scoped("network", pk="network"),
    "networks:share_template": scoped("network", *TEMPLATES, method=POST, pk="network", data={"template": "@template"}),
    "networks:unshare_template": scoped(
        "network", *TEMPLATES, method=POST, pk="network", data={"template": "@network_template"}
    ),
    "networks:copy_template": scoped(
        "network", *TEMPLATES, method=POST, pk="network", data={"template": "@network_template"}
    ),
    "networks:share_item": scoped("network", ADMIN_ORG, method=POST, pk="network", data={"item": "@library_item"}),
    "networks:unshare_item": scoped("network", ADMIN_ORG, method=POST, pk="network", data={"item": "@network_item"}),
    "retention:rules": capability(ADMIN_ORG),
    "api:api-root": public(ok=(404,)),  # Ninja's root has no view of its own: 404 for everyone
}

# Namespaces ruled as a whole: every URL name in them follows the rule.
URL_RULES |= {
    "admin:login": public(ok=(200, 302)),
    "admin:logout": public(method=POST),
}
NAMESPACE_RULES: dict[str, Rule] = {
    "admin": staff(),
}

# API path parameters -> fixture objects (a rule's args override these).
API_PARAMS = {
    "person_id": "patient",
    "episode_id": "episode",
    "child_id": "child",
    "task_id": "task",
    "report_id": "concern_report",
    "consent_id": "consent",
    "referral_id": "referral",
    "consultation_id": "consultation",
    "notification_id": "notification",
    "instrument_id": "instrument",
    "response_id": "response",
    "offer_id": "offer",
    "template_id": "template",  # PATCH names "own_template" (the same object) for its own scope
    "run_id": "run",
    "participant_id": "participant",
    "enrolment_id": "enrolment",
    "session_id": "session",
    "series_id": "forum_series",
    "meeting_id": "forum_meeting",
    "document_id": "forum_document",
    "course_id": "course",
    "batch_id": "import_batch",
    "item_id": "library_item",  # the network's DELETE names "network_item" (shared with the network)
    "network_id": "network",
}
INBOX = {"referral_id": "self_referral"}
ITEM = {"audiences": ["children_6_12"], "languages": ["nb"]}  # a library item needs both

API_RULES: dict[str, Rule] = {
    "GET /api/v1/me": login(),
    # Persons and families.
    "GET /api/v1/persons": listed(VIEW),
    "GET /api/v1/persons/{person_id}": scoped("patient"),
    "GET /api/v1/persons/{person_id}/family": scoped("patient"),
    "POST /api/v1/persons/{person_id}/relatives": scoped("patient", EDIT, method=POST),
    # Episodes and the children work.
    "POST /api/v1/episodes": capability(EDIT, method=POST),
    "GET /api/v1/episodes": listed(VIEW),
    "POST /api/v1/relative-episodes": capability(EDIT, method=POST, data={"affected_by_id": "@patient"}),
    "GET /api/v1/episodes/{episode_id}": scoped("episode"),
    "POST /api/v1/episodes/{episode_id}/children-answer": scoped("episode", EDIT, method=POST),
    "POST /api/v1/episodes/{episode_id}/leave-intake": scoped("episode", EDIT, method=POST),
    "POST /api/v1/episodes/{episode_id}/discharge": scoped("episode", EDIT, method=POST),
    "GET /api/v1/episodes/{episode_id}/children/{child_id}/sheet": scoped("episode"),
    "PUT /api/v1/episodes/{episode_id}/children/{child_id}/sheet": scoped("episode", EDIT, method="put"),
    "POST /api/v1/episodes/{episode_id}/children/{child_id}/information": scoped("episode", EDIT, method=POST),
    "POST /api/v1/episodes/{episode_id}/tasks": scoped("episode", EDIT, method=POST),
    "GET /api/v1/tasks": listed(VIEW),
    "POST /api/v1/tasks/{task_id}/status": scoped("task", EDIT, method=POST, data={"status": "done"}),
    "POST /api/v1/episodes/{episode_id}/children/{child_id}/concern-reports": scoped("episode", CONCERN, method=POST),
    "POST /api/v1/concern-reports/{report_id}/feedback": scoped(
        "concern_report", CONCERN, method=POST, data={"status": "received"}
    ),
    "GET /api/v1/children": capability(OVERVIEW),
    # Consents.
    "POST /api/v1/persons/{person_id}/consents": scoped("patient", EDIT, method=POST),
    "GET /api/v1/persons/{person_id}/consents": scoped("patient"),
    "POST /api/v1/consents/{consent_id}/revoke": scoped("consent", EDIT, method=POST),
    "GET /api/v1/shared": capability(VIEW),
    "GET /api/v1/shared/{person_id}": scoped("shared_person", person_id="shared_person"),
    # Cooperation.
    "POST /api/v1/persons/{person_id}/referrals": scoped(
        "patient", EDIT, method=POST, data={"to_organisation_id": "@partner"}
    ),
    "GET /api/v1/referrals": listed(VIEW),
    "GET /api/v1/referrals/{referral_id}": scoped("referral"),
    "POST /api/v1/referrals/{referral_id}/status": scoped("referral", EDIT, method=POST),
    "POST /api/v1/consultations": capability(VIEW, method=POST),
    "GET /api/v1/consultations": listed(VIEW),
    "GET /api/v1/consultations/{consultation_id}": scoped("consultation"),
    "POST /api/v1/consultations/{consultation_id}/replies": scoped("consultation", method=POST),
    "POST /api/v1/consultations/{consultation_id}/close": scoped("consultation", method=POST),
    "GET /api/v1/children/{child_id}/agreements": scoped("agreement_child", personal=True),
    "PUT /api/v1/children/{child_id}/agreements": scoped(
        "agreement_child", EDIT, method="put", personal=True, data={"responsible_organisation_id": "@partner"}
    ),
    "GET /api/v1/notifications": member(),  # a message and a link, never personal data,
    "POST /api/v1/notifications/{notification_id}/read": scoped("notification", method=POST),
    # Instruments.
    "GET /api/v1/instruments": member(),
    "GET /api/v1/instruments/{instrument_id}": scoped("instrument"),
    "GET /api/v1/instruments/{instrument_id}/questionnaire": scoped("instrument"),
    "POST /api/v1/persons/{person_id}/responses": scoped(
        "patient", VIEW, method=POST, data={"instrument_id": "@instrument"}
    ),
    "GET /api/v1/persons/{person_id}/responses": scoped("patient"),
    "GET /api/v1/responses/{response_id}/fhir": scoped("response"),
    # The help directory.
    "GET /api/v1/directory/municipalities": public(),
    "GET /api/v1/directory/offers": public(),
    "GET /api/v1/directory/offers/{offer_id}": public(),
    "POST /api/v1/directory/offers/{offer_id}/self-referrals": public(method=POST, ok=(201, 422)),
    "GET /api/v1/directory/my-offers": listed(ADMIN_ORG, MANAGE_PROG),
    "POST /api/v1/directory/my-offers": capability(ADMIN_ORG, method=POST),
    "GET /api/v1/directory/my-offers/{offer_id}": scoped("offer"),
    "PATCH /api/v1/directory/my-offers/{offer_id}": scoped("offer", ADMIN_ORG, method="patch"),
    "GET /api/v1/directory/inbox": listed(MANAGE_PROG),
    "GET /api/v1/directory/inbox/{referral_id}": scoped("self_referral", **INBOX),
    "POST /api/v1/directory/inbox/{referral_id}/assign": scoped("self_referral", method=POST, **INBOX),
    "POST /api/v1/directory/inbox/{referral_id}/contacted": scoped("self_referral", method=POST, **INBOX),
    "POST /api/v1/directory/inbox/{referral_id}/close": scoped("self_referral", method=POST, **INBOX),
    "POST /api/v1/directory/inbox/{referral_id}/enrol": scoped(
        "self_referral", method=POST, data={"run_id": "@run"}, **INBOX
    ),
    "POST /api/v1/directory/inbox/{referral_id}/client": scoped("self_referral", method=POST, **INBOX),
    # Programmes for relatives.
    "GET /api/v1/programmes/templates": listed(*TEMPLATES, RUN_PROG),
    "POST /api/v1/programmes/templates": capability(*TEMPLATES, method=POST),
    "GET /api/v1/programmes/templates/{template_id}": scoped("template"),
    "PATCH /api/v1/programmes/templates/{template_id}": scoped(
        "own_template", *TEMPLATES, method="patch", template_id="own_template"
    ),
    "POST /api/v1/programmes/templates/{template_id}/copy": scoped("template", *TEMPLATES, method=POST),
    "GET /api/v1/programmes/runs": listed(MANAGE_PROG, RUN_PROG),
    "POST /api/v1/programmes/runs": capability(MANAGE_PROG, method=POST, data={"template_id": "@template"}),
    "GET /api/v1/programmes/runs/{run_id}": scoped("run"),
    "PATCH /api/v1/programmes/runs/{run_id}": scoped("run", MANAGE_PROG, method="patch"),
    "POST /api/v1/programmes/runs/{run_id}/finish": scoped("run", MANAGE_PROG, method=POST),
    "POST /api/v1/programmes/runs/{run_id}/cancel": scoped("run", MANAGE_PROG, method=POST),
    "GET /api/v1/programmes/runs/{run_id}/enrolments": scoped("run"),
    "POST /api/v1/programmes/runs/{run_id}/enrolments": scoped(
        "run", MANAGE_PROG, method=POST, data={"participant_id": "@participant"}
    ),
    "POST /api/v1/programmes/participants": capability(MANAGE_PROG, method=POST),
    "GET /api/v1/programmes/participants/{participant_id}": scoped("participant"),
    "GET /api/v1/programmes/enrolments/{enrolment_id}": scoped("enrolment"),
    "POST /api/v1/programmes/enrolments/{enrolment_id}/interview": scoped("enrolment", method=POST),
    "POST /api/v1/programmes/enrolments/{enrolment_id}/withdraw": scoped("enrolment", MANAGE_PROG, method=POST),
    "POST /api/v1/programmes/enrolments/{enrolment_id}/complete": scoped("enrolment", method=POST),
    "PUT /api/v1/programmes/enrolments/{enrolment_id}/notes/{session_id}": scoped("enrolment", method="put"),
    "POST /api/v1/programmes/enrolments/{enrolment_id}/measures": scoped("enrolment", method=POST),
    "GET /api/v1/programmes/sessions/{session_id}": scoped("session"),
    "PATCH /api/v1/programmes/sessions/{session_id}": scoped("session", MANAGE_PROG, method="patch"),
    "PUT /api/v1/programmes/sessions/{session_id}/attendance": scoped("session", method="put"),
    "PUT /api/v1/programmes/sessions/{session_id}/head-count": scoped("session", method="put"),
    "POST /api/v1/programmes/sessions/{session_id}/evaluations": scoped("session", method=POST),
    # Forums.
    "GET /api/v1/forums/series": member(),
    "POST /api/v1/forums/series": capability(*FORUM_PLAN, method=POST, data={"network_id": "@forum_network"}),
    "GET /api/v1/forums/series/{series_id}": scoped("forum_series"),
    "GET /api/v1/forums/meetings/{meeting_id}": scoped("forum_meeting"),
    "PATCH /api/v1/forums/meetings/{meeting_id}": scoped("forum_meeting", *FORUM_TAKE_PART, method="patch"),
    "PUT /api/v1/forums/meetings/{meeting_id}/attendance": scoped("forum_meeting", *FORUM_TAKE_PART, method="put"),
    "POST /api/v1/forums/meetings/{meeting_id}/documents": scoped("forum_meeting", *FORUM_TAKE_PART, method=POST),
    "DELETE /api/v1/forums/documents/{document_id}": scoped("forum_document", *FORUM_TAKE_PART, method="delete"),
    # Staff competence.
    "GET /api/v1/competence/courses": member(),
    "POST /api/v1/competence/courses": capability(ADMIN_ORG, method=POST),
    "GET /api/v1/competence/courses/{course_id}": scoped("course"),
    "POST /api/v1/competence/courses/{course_id}/enrolments": scoped("course", method=POST),
    "POST /api/v1/competence/enrolments/{enrolment_id}/completion": scoped(
        "course_enrolment", ADMIN_MEMBERS, ADMIN_ORG, method=POST, enrolment_id="course_enrolment"
    ),
    "GET /api/v1/competence/child-responsible-training": capability(ADMIN_MEMBERS),
    # Apps added alongside the matrix (see URL_RULES).
    "GET /api/v1/library/items": public(),
    "GET /api/v1/library/items/{item_id}": public(),
    "GET /api/v1/library/available-items": member(),
    "GET /api/v1/library/my-items": capability(ADMIN_ORG),
    "POST /api/v1/library/my-items": capability(ADMIN_ORG, method=POST),
    "PUT /api/v1/library/my-items/{item_id}": scoped("library_item", ADMIN_ORG, method="put", data=ITEM),
    "GET /api/v1/networks": member(),
    "GET /api/v1/networks/{network_id}": scoped("network"),
    "POST /api/v1/networks/{network_id}/templates": scoped(
        "network", *TEMPLATES, method=POST, data={"template_id": "@template"}
    ),
    "DELETE /api/v1/networks/{network_id}/templates/{template_id}": scoped(
        "network", *TEMPLATES, method="delete", template_id="network_template"
    ),
    "POST /api/v1/networks/{network_id}/items": scoped(
        "network", ADMIN_ORG, method=POST, data={"item_id": "@library_item"}
    ),
    "DELETE /api/v1/networks/{network_id}/items/{item_id}": scoped(
        "network", ADMIN_ORG, method="delete", item_id="network_item"
    ),
    "POST /api/v1/imports": capability(C.COORDINATE, method=POST),
    "GET /api/v1/imports/{batch_id}": scoped("import_batch"),
    "POST /api/v1/imports/{batch_id}/import": scoped("import_batch", method=POST),
    # Statistics.
    "GET /api/v1/statistics/kpis": capability(STATS),
    "GET /api/v1/statistics/young-people": capability(STATS),
}
