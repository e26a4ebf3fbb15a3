"""A person's full data export for an access request (GDPR art. 15; pasientjournalloven § 18 and § 22).

Everything the actor's organisation holds about the person in Kindred, and the log of everyone who looked at
their data, built once as sections of labelled fields: the printable page shows the labels, the JSON download
the keys. Build it inside `translation.override(language)`, so labels and choices come in the person's language.

What is left out, and why:
- other organisations' records: each organisation answers for its own (it is a separate duty holder); the
  export says so;
- the parent's own health data in a child's export: the child sees the parts about the child (child sheets,
  information, tasks, concern reports) and only when and where the parent's episode was;
- concern reports about a child, in the parent's export, when the parent was not told of them: the staff
  member sees how many were left out and decides under the law whether to give them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kindred.audit.models import AccessLog
from kindred.orgs.actors import Actor
from kindred.people.models import Person, Relationship

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Field:
    """One labelled value: `key` for the JSON, `label` and `text` for the page."""

    key: str
    label: str
    value: Any
    text: str


@dataclass
class Section:
    key: str
    title: str
    items: list[list[Field]] = field(default_factory=list)
    note: str = ""

    def as_json(self) -> list[dict[str, Any]]:
        return [{f.key: f.value for f in item} for item in self.items]


@dataclass
class Export:
    person: Person
    organisation_name: str
    language: str
    generated_at: dt.datetime
    sections: list[Section]
    withheld_concern_reports: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "format": "kindred-person-export",
            "version": FORMAT_VERSION,
            "generated_at": self.generated_at.isoformat(),
            "organisation": self.organisation_name,
            "language": self.language,
            "scope": scope_text(self.organisation_name),
            **{section.key: section.as_json() for section in self.sections},
        }


def scope_text(organisation_name: str) -> str:
    return _(
        "This is what %(organisation)s holds about you in Kindred, and everyone who has looked at your "
        "information in Kindred. Other services that use Kindred answer for their own records."
    ) % {"organisation": organisation_name}


def _text(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def _json(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    return value


def _fields(obj: models.Model, names: list[str]) -> list[Field]:
    """The named model fields with their translated verbose names; choices as their translated labels."""
    result = []
    for name in names:
        model_field = obj._meta.get_field(name)
        value = getattr(obj, name)
        if model_field.choices and value not in (None, ""):
            shown = str(getattr(obj, f"get_{name}_display")())
            result.append(Field(name, str(model_field.verbose_name), {"code": value, "text": shown}, shown))
        else:
            result.append(Field(name, str(model_field.verbose_name), _json(value), _text(value)))
    return result


def _extra(key: str, label: str, value: Any) -> Field:
    return Field(key, label, _json(value), _text(value))


def build_export(actor: Actor, person: Person, language: str) -> Export:
    """Everything the actor's organisation holds about `person` (the caller got the person through the access
    rule and wrote the EXPORT audit row)."""
    from kindred.care.models import ChildSheet, ConcernReport, Episode, InformationGiven, Task
    from kindred.consent.models import Consent
    from kindred.instruments.models import Response
    from kindred.programs.models import Attendance, Enrolment, Participant
    from kindred.referrals.models import Referral

    organisation = actor.organisation
    sections: list[Section] = []

    sections.append(
        Section(
            "person",
            _("About you"),
            [
                _fields(
                    person,
                    [
                        "given_name",
                        "family_name",
                        "national_id",
                        "id_kind",
                        "birth_date",
                        "birth_year",
                        "sex",
                        "preferred_language",
                        "interpreter_needed",
                        "registered_by",
                        "created_at",
                    ],
                )
            ],
        )
    )

    relations = Section("relationships", _("Family and others close"))
    for rel in Relationship.objects.filter(Q(person=person) | Q(other=person)).select_related("person", "other"):
        mine = rel.person_id == person.pk
        other = rel.other if mine else rel.person
        statement = (_("You are %(relation)s %(name)s") if mine else _("%(name)s is %(relation)s you")) % {
            "relation": rel.get_kind_display(),
            "name": other,
        }
        relations.items.append(
            [
                _extra("relation", _("Relation"), statement),
                _extra("kind", str(Relationship._meta.get_field("kind").verbose_name), rel.kind),
                _extra("other", _("Name"), str(other)),
                *_fields(rel, ["description", "parental_responsibility", "contact_arrangement", "lives_together"]),
            ]
        )
    sections.append(relations)

    own_episodes = Episode.objects.filter(organisation=organisation, patient=person).select_related(
        "organisation", "responsible", "child_contact", "answered_by"
    )
    parents = Relationship.objects.filter(other=person, kind=Relationship.Kind.PARENT_OF).values("person")
    as_child = (
        Episode.objects.filter(organisation=organisation)
        .exclude(patient=person)
        .filter(
            Q(patient__in=parents)
            | Q(sheets__child=person)
            | Q(information_given__child=person)
            | Q(tasks__child=person)
            | Q(concern_reports__child=person)
        )
        .distinct()
        .select_related("organisation")
    )
    episodes = Section("episodes", _("Episodes"))
    for episode in own_episodes:
        episodes.items.append(
            [
                _extra("id", _("Number"), episode.pk),
                _extra("role", _("Your part"), _("Patient or client")),
                *_fields(
                    episode,
                    [
                        "organisation",
                        "kind",
                        "status",
                        "started_on",
                        "ended_on",
                        "responsible",
                        "child_contact",
                        "referred_by",
                        "pregnancy",
                        "due_date",
                        "children_answer",
                        "siblings_answer",
                        "answered_at",
                        "answered_by",
                        "answer_source",
                    ],
                ),
                _extra(
                    "problem_areas",
                    str(Episode._meta.get_field("problem_areas").verbose_name),
                    episode.problem_area_labels(),
                ),
            ]
        )
    for episode in as_child:
        episodes.items.append(
            [
                _extra("id", _("Number"), episode.pk),
                _extra("role", _("Your part"), _("Child of the patient")),
                *_fields(episode, ["organisation", "started_on", "ended_on"]),
            ]
        )
    sections.append(episodes)

    about_me = Q(child=person) | Q(episode__patient=person)
    at_org = Q(episode__organisation=organisation)

    sheets = Section("child_sheets", _("Child sheets"))
    for sheet in ChildSheet.objects.filter(at_org, about_me).select_related("child", "template", "updated_by"):
        answers = [
            {"section": section.get("title", ""), "question": q.get("text", ""), "answer": sheet.answers[q["key"]]}
            for section, q in sheet.template.questions()
            if sheet.answers.get(q.get("key"))
        ]
        sheets.items.append(
            [
                _extra("episode", _("Episode"), sheet.episode_id),
                *_fields(
                    sheet, ["child", "concern_level", "who_informs", "discharge_summary", "updated_at", "updated_by"]
                ),
                _extra("questions", str(ChildSheet._meta.get_field("template").verbose_name), str(sheet.template)),
                Field(
                    "answers",
                    str(ChildSheet._meta.get_field("answers").verbose_name),
                    answers,
                    "\n".join(f"{a['question']}: {a['answer']}" for a in answers) or "—",
                ),
            ]
        )
    sections.append(sheets)

    informed = Section("information_given", _("Talks with and information to the child"))
    for item in InformationGiven.objects.filter(at_org, about_me).select_related("child", "given_by"):
        informed.items.append(
            [
                _extra("episode", _("Episode"), item.episode_id),
                *_fields(item, ["child", "given_on", "form", "present", "given_by"]),
            ]
        )
    sections.append(informed)

    tasks = Section("tasks", _("Follow-up tasks"))
    for task in Task.objects.filter(at_org, about_me).select_related("child", "assignee"):
        tasks.items.append(
            [
                _extra("episode", _("Episode"), task.episode_id),
                *_fields(task, ["title", "child", "assignee", "due_on", "status", "done_at", "created_at"]),
            ]
        )
    sections.append(tasks)

    reports = ConcernReport.objects.filter(at_org).select_related("child", "sender")
    shown = reports.filter(Q(child=person) | Q(episode__patient=person, parent_informed=True))
    withheld = reports.filter(episode__patient=person, parent_informed=False).exclude(child=person).count()
    concerns = Section("concern_reports", _("Concern reports to child welfare"))
    for report in shown:
        concerns.items.append(
            [
                _extra("episode", _("Episode"), report.episode_id),
                *_fields(
                    report,
                    [
                        "child",
                        "recipient",
                        "basis",
                        "reason",
                        "parent_informed",
                        "sender",
                        "sent_on",
                        "feedback_on",
                        "feedback_status",
                    ],
                ),
            ]
        )
    sections.append(concerns)

    consents = Section("consents", _("Consents"))
    for consent in Consent.objects.filter(person=person, organisation=organisation).select_related(
        "organisation", "recipient_organisation"
    ):
        consents.items.append(
            [
                *_fields(consent, ["given_by", "guardian_name"]),
                _extra(
                    "categories", str(consent._meta.get_field("categories").verbose_name), consent.category_labels()
                ),
                _extra("recipient", _("To"), consent.recipient_label),
                *_fields(consent, ["purpose", "valid_from", "valid_until", "form", "recorded_at", "revoked_on"]),
            ]
        )
    sections.append(consents)

    referrals = Section("referrals", _("Referrals"))
    for referral in (
        Referral.objects.filter(Q(from_organisation=organisation) | Q(to_organisation=organisation))
        .filter(Q(person=person) | Q(children=person))
        .distinct()
        .select_related("from_organisation", "to_organisation", "person")
    ):
        referrals.items.append(
            _fields(
                referral,
                [
                    "from_organisation",
                    "to_organisation",
                    "person",
                    "reason",
                    "urgency",
                    "status",
                    "created_at",
                    "sent_at",
                    "decided_at",
                ],
            )
        )
    sections.append(referrals)

    responses = Section("instrument_responses", _("Instrument results"))
    for response in Response.objects.filter(person=person, organisation=organisation).select_related(
        "instrument", "episode__patient"
    ):
        responses.items.append(
            [
                _extra(
                    "instrument", str(response._meta.get_field("instrument").verbose_name), str(response.instrument)
                ),
                *_fields(response, ["answered_on", "episode", "scores", "zone", "answers"]),
            ]
        )
    sections.append(responses)

    programmes = Section("programmes", _("Programmes"))
    participants = Participant.objects.filter(person=person, organisation=organisation)
    enrolments = Enrolment.objects.filter(participant__in=participants).select_related("run", "participant")
    attended: dict[int, list[str]] = {}
    for row in Attendance.objects.filter(enrolment__in=enrolments).select_related("session").order_by("session__date"):
        attended.setdefault(row.enrolment_id, []).append(f"{_text(row.session.date)} {row.get_status_display()}")
    for enrolment in enrolments:
        programmes.items.append(
            [
                _extra("run", str(enrolment._meta.get_field("run").verbose_name), enrolment.run.title),
                _extra(
                    "participant",
                    str(enrolment._meta.get_field("participant").verbose_name),
                    enrolment.participant.name,
                ),
                *_fields(enrolment, ["status", "enrolled_at", "ended_at", "end_reason"]),
                _extra("attendance", _("Attendance"), attended.get(enrolment.pk, [])),
            ]
        )
    sections.append(programmes)

    log = Section("access_log", _("Who has seen your information"))
    for row in (
        AccessLog.objects.about(person)
        .select_related("organisation")
        .only("at", "user_label", "organisation__name", "role", "action", "reason", "object_type")
    ):
        log.items.append(
            [
                _extra("at", _("Time"), row.at),
                _extra("who", _("Who"), row.user_label),
                _extra("organisation", _("Organisation"), row.organisation.name if row.organisation else ""),
                _extra("action", _("What"), str(row.get_action_display())),
                _extra("reason", _("Reason"), row.reason),
            ]
        )
    sections.append(log)

    return Export(
        person=person,
        organisation_name=organisation.name,
        language=language,
        generated_at=timezone.now(),
        sections=sections,
        withheld_concern_reports=withheld,
    )
