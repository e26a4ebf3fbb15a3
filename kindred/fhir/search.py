"""What an actor may read and search through the FHIR API: one entry per resource type, each starting from the access
rule in kindred.people.access (or the app's own `visible_*` built on it), never from a whole table.

A type answers four questions: which rows the actor may see (`rows`), how a search parameter narrows them
(`narrow`), one row by its FHIR id (`find`), and the resource of a row (`resource`). Outside what the actor may see,
a read finds nothing (404) and a search finds nothing (an empty searchset): missing and forbidden look the same.
The audit rows are written by the views for every row returned, through `audited` (the object whose access is
recorded: the person shown for a RelatedPerson, the row itself otherwise).

Search parameters follow FHIR R4: reference (`Patient/12` or `12`), token (`system|code` or `code`), string (start
of a word, any case) and date (`eq`, `ge`, `gt`, `le`, `lt` with YYYY, YYYY-MM or YYYY-MM-DD). Several values of one
parameter must all match; a comma (OR) is not supported. An unknown parameter is refused (400), so a typo never
returns more than the client asked for.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Max, Q
from django.db.models.functions import Upper
from django.utils.translation import gettext as _

from kindred.audit.models import AccessLog
from kindred.fhir import SYSTEM_KINDS, canonical_base, resources
from kindred.fhir import instruments as fhir_instruments
from kindred.orgs.actors import Actor
from kindred.orgs.models import Capability
from kindred.people.access import visible_enrolments, visible_episodes, visible_persons
from kindred.people.models import Person, Relationship


class SearchError(Exception):
    """A search the server cannot answer as asked (400 OperationOutcome naming the parameter)."""

    def __init__(self, message: str, parameter: str = "", code: str = "value") -> None:
        super().__init__(message)
        self.message = message
        self.parameter = parameter
        self.code = code


# --- Parameter values -------------------------------------------------------------------------------------------


def reference_id(value: str, resource_type: str = "Patient") -> int | None:
    """`Patient/12`, a full URL ending so, or `12` → 12; anything else None (which matches nothing)."""
    value = value.strip().rstrip("/")
    prefix, _sep, last = value.rpartition("/")
    if prefix and not prefix.endswith(resource_type):
        return None
    return int(last) if re.fullmatch(r"[0-9]{1,18}", last) else None


def token(value: str) -> tuple[str | None, str]:
    """`system|code` → (system, code); `code` → (None, code)."""
    if "|" in value:
        system, _sep, code = value.partition("|")
        return system, code
    return None, value


_DATE = re.compile(r"^(eq|ne|gt|lt|ge|le|sa|eb|ap)?([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?$")


def date_range(name: str, value: str) -> tuple[str, date, date, str]:
    """(prefix, first day, day after the last, precision) of a date parameter."""
    match = _DATE.match(value.strip())
    if not match:
        raise SearchError(
            _("%(name)s: %(value)s is not a date (YYYY, YYYY-MM or YYYY-MM-DD, optionally after eq, ge, gt, le or lt).")
            % {"name": name, "value": value[:40]},
            name,
        )
    prefix, year, month, day = match.group(1) or "eq", int(match.group(2)), match.group(3), match.group(4)
    if prefix not in ("eq", "gt", "lt", "ge", "le"):
        raise SearchError(
            _("%(name)s: the prefix %(prefix)s is not supported.") % {"name": name, "prefix": prefix}, name
        )
    try:
        if day:
            start = date(year, int(month), int(day))
            return prefix, start, start + timedelta(days=1), "day"
        if month:
            start = date(year, int(month), 1)
            end = date(year, int(month), calendar.monthrange(year, int(month))[1]) + timedelta(days=1)
            return prefix, start, end, "month"
        return prefix, date(year, 1, 1), date(year + 1, 1, 1), "year"
    except ValueError:
        raise SearchError(_("%(name)s: %(value)s is not a date.") % {"name": name, "value": value[:40]}, name) from None


# --- Rows -------------------------------------------------------------------------------------------------------


class Chain:
    """Two or more ordered querysets searched as one list, so one searchset pages through them all."""

    def __init__(self, *parts) -> None:
        self.parts = parts
        self._counts: list[int] | None = None

    def counts(self) -> list[int]:
        if self._counts is None:
            self._counts = [part.count() for part in self.parts]
        return self._counts

    def count(self) -> int:
        return sum(self.counts())

    def __getitem__(self, window: slice) -> list:
        start, stop = window.start or 0, window.stop
        found: list = []
        for part, size in zip(self.parts, self.counts(), strict=True):
            if stop is not None and stop <= 0:
                break
            if start < size:
                found.extend(part[start : min(size, stop) if stop is not None else size])
            start = max(0, start - size)
            stop = None if stop is None else stop - size
        return found


def count_of(rows) -> int:
    return rows.count() if hasattr(rows, "count") and not isinstance(rows, list) else len(rows)


@dataclass
class ResourceType:
    """One FHIR resource type: its rows under the access rule, search parameters, and mapping."""

    name: str
    params: dict[str, str] = field(default_factory=dict)  # search parameter → FHIR type (for the capabilities)
    personal: bool = True  # every row returned is recorded in the access log
    writable: bool = False

    def rows(self, actor: Actor):
        raise NotImplementedError

    def narrow(self, rows, name: str, value: str, actor: Actor):
        raise SearchError(_("Unknown search parameter: %(name)s.") % {"name": name}, name, "not-supported")

    def search(self, actor: Actor, params: list[tuple[str, str]]):
        rows = self.rows(actor)
        for name, value in params:
            if name not in self.params:
                raise SearchError(_("Unknown search parameter: %(name)s.") % {"name": name}, name, "not-supported")
            rows = self.narrow(rows, name, value, actor)
        return rows

    def find(self, actor: Actor, resource_id: str):
        """The row with this FHIR id if the actor may see it, else None."""
        if not re.fullmatch(r"[0-9]{1,18}", resource_id):
            return None
        return self.rows(actor).filter(pk=int(resource_id)).first()

    def items(self, rows: list, params: list[tuple[str, str]]) -> list:
        """The rows of one page as the items `resource` maps (most types: the rows themselves)."""
        return rows

    def resource(self, item) -> dict:
        raise NotImplementedError

    def audited(self, item):
        return item

    def snapshot(self, rows) -> str | None:
        """A bound that keeps a search's pages stable while the search itself adds rows (see AuditEventType)."""
        return None


def _patient_filter(name: str, value: str, field_name: str = "person") -> Q:
    pk = reference_id(value)
    return Q(**{f"{field_name}_id": pk}) if pk is not None else Q(pk__in=[])


class PatientType(ResourceType):
    def rows(self, actor):
        return visible_persons(actor).select_related("registered_by").order_by("family_name", "given_name", "id")

    def narrow(self, rows, name, value, actor):
        if name == "_id":
            return rows.filter(pk=int(value)) if re.fullmatch(r"[0-9]{1,18}", value) else rows.none()
        if name == "identifier":
            system, code = token(value)
            digits = "".join(ch for ch in code if ch.isdigit())
            if system:
                kind = SYSTEM_KINDS.get(system)
                return rows.filter(id_kind=kind, national_id=digits) if kind and digits else rows.none()
            return rows.filter(national_id=digits) if digits else rows.none()
        if name in ("name", "family", "given"):
            rows = rows.alias(fhir_given=Upper("given_name"), fhir_family=Upper("family_name"))
            for word in value.split()[:6]:
                word = word.upper()
                if name == "given":
                    rows = rows.filter(fhir_given__startswith=word)
                elif name == "family":
                    rows = rows.filter(fhir_family__startswith=word)
                else:
                    rows = rows.filter(Q(fhir_given__startswith=word) | Q(fhir_family__startswith=word))
            return rows
        if name == "birthdate":
            prefix, start, end, precision = date_range(name, value)
            known_year = Q(birth_date__isnull=True, birth_year__isnull=False)
            if prefix == "eq":
                found = Q(birth_date__gte=start, birth_date__lt=end)
                if precision == "year":
                    found |= known_year & Q(birth_year=start.year)
                return rows.filter(found)
            bounds = {"ge": Q(birth_date__gte=start), "gt": Q(birth_date__gte=end)}
            bounds |= {"le": Q(birth_date__lt=end), "lt": Q(birth_date__lt=start)}
            return rows.filter(bounds[prefix])
        return super().narrow(rows, name, value, actor)

    def resource(self, item):
        return resources.patient(item)


class RelatedPersonType(ResourceType):
    """A relationship seen from one of its persons: the other person, related to the patient."""

    def rows(self, actor):
        visible = visible_persons(actor)
        return (
            Relationship.objects.filter(person__in=visible, other__in=visible)
            .select_related("person", "other")
            .order_by("id")
        )

    def search(self, actor, params):
        if not any(name == "patient" for name, _value in params):
            raise SearchError(_("Search RelatedPerson by patient, e.g. RelatedPerson?patient=12."), "patient")
        return super().search(actor, params)

    def narrow(self, rows, name, value, actor):
        if name == "patient":
            pk = reference_id(value)
            return rows.filter(Q(person_id=pk) | Q(other_id=pk)) if pk is not None else rows.none()
        return super().narrow(rows, name, value, actor)

    def find(self, actor, resource_id):
        match = re.fullmatch(r"([0-9]{1,18})-([0-9]{1,18})", resource_id)
        if not match:
            return None
        relationship = self.rows(actor).filter(pk=int(match.group(1))).first()
        related_id = int(match.group(2))
        if relationship is None or related_id not in (relationship.person_id, relationship.other_id):
            return None
        return relationship, relationship.person if related_id == relationship.person_id else relationship.other

    def items(self, rows, params):
        patient_ids = {reference_id(value) for name, value in params if name == "patient"}
        return [(rel, rel.person if rel.other_id in patient_ids else rel.other) for rel in rows]

    def resource(self, item):
        return resources.related_person(*item)

    def audited(self, item):
        return item[1]


class ConsentType(ResourceType):
    def rows(self, actor):
        from kindred.consent.models import Consent

        return (
            Consent.objects.filter(organisation=actor.organisation, person__in=visible_persons(actor))
            .select_related("person", "organisation", "recipient_organisation")
            .order_by("id")
        )

    def narrow(self, rows, name, value, actor):
        from django.utils import timezone

        if name == "patient":
            return rows.filter(_patient_filter(name, value))
        if name == "status":
            today = timezone.localdate()
            states = {
                "active": Q(revoked_at__isnull=True, valid_from__lte=today, valid_until__gte=today),
                "proposed": Q(revoked_at__isnull=True, valid_from__gt=today),
                "inactive": Q(revoked_at__isnull=False) | Q(valid_until__lt=today),
            }
            return rows.filter(states[value]) if value in states else rows.none()
        return super().narrow(rows, name, value, actor)

    def resource(self, item):
        return resources.consent(item)


def _instruments_in_scope(actor: Actor):
    from kindred.instruments.models import Instrument

    return Instrument.objects.filter(Q(organisation__isnull=True) | Q(organisation=actor.organisation)).select_related(
        "organisation"
    )


def questionnaire_id(instrument) -> str:
    return fhir_instruments.questionnaire(instrument)["id"]


def instruments_for_canonical(actor: Actor, canonical: str) -> list:
    """The instruments (any version in the actor's scope) a canonical `url` or `url|version` names."""
    url, _sep, version = canonical.strip().partition("|")
    return [
        instrument
        for instrument in _instruments_in_scope(actor).order_by("-version")
        if fhir_instruments.questionnaire_url(instrument) == url and (not version or str(instrument.version) == version)
    ]


class QuestionnaireType(ResourceType):
    """The instruments the organisation may use; definitions, not personal data."""

    def rows(self, actor):
        from kindred.instruments.services import instruments_for

        return instruments_for(actor)

    def narrow(self, rows, name, value, actor):
        if name == "url":
            wanted = {i.pk for i in instruments_for_canonical(actor, value)}
            return [i for i in rows if i.pk in wanted]
        return super().narrow(rows, name, value, actor)

    def find(self, actor, resource_id):
        match = re.fullmatch(r"(.+)-v([0-9]{1,9})", resource_id)
        if not match:
            return None
        for instrument in _instruments_in_scope(actor).filter(version=int(match.group(2))):
            if questionnaire_id(instrument) == resource_id:
                return instrument
        return None

    def resource(self, item):
        from django.utils.translation import get_language

        return fhir_instruments.questionnaire(item, get_language() or "nb")


def _responses(actor: Actor):
    """Staff responses recorded at the actor's organisation about persons the actor may see."""
    from kindred.instruments.models import Response

    return (
        Response.objects.filter(organisation=actor.organisation, person__in=visible_persons(actor))
        .select_related("instrument__organisation", "person")
        .order_by("id")
    )


class QuestionnaireResponseType(ResourceType):
    def rows(self, actor):
        return _responses(actor)

    def narrow(self, rows, name, value, actor):
        if name in ("subject", "patient"):
            return rows.filter(_patient_filter(name, value))
        if name == "questionnaire":
            return rows.filter(instrument__in=[i.pk for i in instruments_for_canonical(actor, value)])
        return super().narrow(rows, name, value, actor)

    def resource(self, item):
        return fhir_instruments.questionnaire_response(item)


class ObservationType(ResourceType):
    """The children question of each episode (`children-<id>`) and each instrument score (`score-<id>`)."""

    def rows(self, actor):
        episodes = visible_episodes(actor).select_related("patient").order_by("id")
        return Chain(episodes, _responses(actor))

    def narrow(self, rows, name, value, actor):
        episodes, responses = rows.parts
        if name in ("subject", "patient"):
            return Chain(
                episodes.filter(_patient_filter(name, value, "patient")), responses.filter(_patient_filter(name, value))
            )
        if name == "code":
            system, code = token(value)
            base = canonical_base()
            if code == "minor-children" and system in (None, f"{base}/CodeSystem/kindred-observation"):
                return Chain(episodes, responses.none())
            if system in (None, f"{base}/CodeSystem/instrument-scores") and "." in code:
                wanted = [
                    instrument.pk
                    for instrument in _instruments_in_scope(actor)
                    if f"{_score_prefix(instrument)}.{instrument.parsed().primary_score}" == code
                ]
                return Chain(episodes.none(), responses.filter(instrument__in=wanted))
            return Chain(episodes.none(), responses.none())
        return super().narrow(rows, name, value, actor)

    def find(self, actor, resource_id):
        episodes, responses = self.rows(actor).parts
        match = re.fullmatch(r"(children|score)-([0-9]{1,18})", resource_id)
        if not match:
            return None
        rows = episodes if match.group(1) == "children" else responses
        return rows.filter(pk=int(match.group(2))).first()

    def resource(self, item):
        from kindred.care.models import Episode

        if isinstance(item, Episode):
            return resources.children_observation(item)
        return fhir_instruments.score_observation(item)


def _score_prefix(instrument) -> str:
    return f"org{instrument.organisation_id}.{instrument.key}" if instrument.organisation_id else instrument.key


class ServiceRequestType(ResourceType):
    """Referrals the organisation sent about persons it holds, and those it received while the sender shares the
    person under a consent in force (as in the inbox)."""

    def rows(self, actor):
        from kindred.consent.services import shared_persons
        from kindred.referrals.services import visible_referrals

        visible = Q(person__in=visible_persons(actor)) | Q(
            to_organisation=actor.organisation, person__in=shared_persons(actor)
        )
        return (
            visible_referrals(actor)
            .filter(visible)
            .select_related("person", "from_organisation", "to_organisation")
            .order_by("id")
        )

    def narrow(self, rows, name, value, actor):
        if name in ("subject", "patient"):
            return rows.filter(_patient_filter(name, value))
        return super().narrow(rows, name, value, actor)

    def resource(self, item):
        return resources.service_request(item)


class CarePlanType(ResourceType):
    """Programme participation of persons: enrolments the actor may see (kindred.people.access.visible_enrolments)
    whose participant is a person the actor may see. Pseudonymous participants are not persons and never appear."""

    def rows(self, actor):
        return (
            visible_enrolments(actor)
            .filter(participant__person__in=visible_persons(actor))
            .select_related("run__template", "run__organisation", "participant__person")
            .prefetch_related("run__sessions")
            .order_by("id")
        )

    def narrow(self, rows, name, value, actor):
        if name in ("subject", "patient"):
            pk = reference_id(value)
            return rows.filter(participant__person_id=pk) if pk is not None else rows.none()
        return super().narrow(rows, name, value, actor)

    def resource(self, item):
        return resources.care_plan(item)


class CommunicationType(ResourceType):
    """Concern reports to child welfare: only for roles that send them (as on the web)."""

    def rows(self, actor):
        from kindred.care.models import ConcernReport
        from kindred.care.services import visible_concern_reports

        if not actor.can(Capability.SEND_CONCERN_REPORTS):
            return ConcernReport.objects.none()
        return visible_concern_reports(actor).select_related("child", "episode__organisation").order_by("id")

    def narrow(self, rows, name, value, actor):
        if name in ("subject", "patient"):
            return rows.filter(_patient_filter(name, value, "child"))
        return super().narrow(rows, name, value, actor)

    def resource(self, item):
        return resources.communication(item)


class AuditEventType(ResourceType):
    """A person's access log, for those who may see the person (as the printable access report), newest first."""

    def rows(self, actor):
        return (
            AccessLog.objects.filter(subject__in=visible_persons(actor))
            .select_related("subject", "organisation")
            .order_by("-at", "-id")
        )

    def narrow(self, rows, name, value, actor):
        if name == "patient":
            return rows.filter(_patient_filter(name, value, "subject"))
        if name == "_snapshot":
            return rows.filter(id__lte=int(value)) if re.fullmatch(r"[0-9]{1,18}", value) else rows.none()
        return super().narrow(rows, name, value, actor)

    def resource(self, item):
        return resources.audit_event(item)

    def snapshot(self, rows) -> str | None:
        # Reading a person's log writes rows into that log: without a bound, each page would push the next one
        # along and a client following `next` links would never reach the end. The links carry the newest row id
        # of the first page, so every page of one search sees the same rows.
        newest = rows.order_by().aggregate(newest=Max("id"))["newest"]
        return str(newest) if newest is not None else None


_SUBJECT = {"subject": "reference", "patient": "reference"}

# The resource types served, in the order of the CapabilityStatement. Explicit, never discovered.
TYPES: dict[str, ResourceType] = {
    t.name: t
    for t in (
        PatientType(
            "Patient",
            {
                "_id": "token",
                "identifier": "token",
                "name": "string",
                "family": "string",
                "given": "string",
                "birthdate": "date",
            },
        ),
        RelatedPersonType("RelatedPerson", {"patient": "reference"}),
        ConsentType("Consent", {"patient": "reference", "status": "token"}),
        QuestionnaireType("Questionnaire", {"url": "uri"}, personal=False),
        QuestionnaireResponseType("QuestionnaireResponse", {**_SUBJECT, "questionnaire": "reference"}, writable=True),
        ObservationType("Observation", {**_SUBJECT, "code": "token"}),
        ServiceRequestType("ServiceRequest", dict(_SUBJECT)),
        CarePlanType("CarePlan", dict(_SUBJECT)),
        CommunicationType("Communication", dict(_SUBJECT)),
        AuditEventType("AuditEvent", {"patient": "reference", "_snapshot": "number"}),
    )
}


def person_of_reference(actor: Actor, reference: Any) -> Person | None:
    """The visible person a `Patient/<id>` reference names, else None."""
    pk = reference_id(str(reference or ""))
    if pk is None or not str(reference).strip().startswith(("Patient/", "http")):
        return None
    return visible_persons(actor).filter(pk=pk).first()
