"""Retention use cases: which rule applies, what is due, the dry-run report, deletion and changing the rules.

A record is due when the day it is counted from (see `kindred.retention.models`) is on or before the cutoff,
`today` minus the rule's months. Deletion runs one transaction per organisation and kind of record, writes one
audit row for the run (and one per deleted episode, so the patient's access report shows it), and never
deletes access-log rows except under the access-log rule itself (`AccessLogQuerySet.expire`).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError, Q, QuerySet, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.audit.models import AccessLog
from kindred.audit.services import Action, record, record_many
from kindred.orgs.actors import Actor
from kindred.orgs.models import Capability, Membership, Organisation
from kindred.retention.models import (
    COUNTRY_DEFAULT_MONTHS,
    DEFAULT_MONTHS,
    MAXIMUM_MONTHS,
    MINIMUM_MONTHS,
    RecordType,
    RetentionRule,
)

# Ids deleted per statement, well under every database's limit on query parameters.
CHUNK = 500
# Records without an organisation (public self-tests, failed sign-ins) follow the built-in defaults.
WITHOUT_ORGANISATION = (RecordType.ANONYMOUS, RecordType.ACCESS_LOG)
# In the rules form: no rule of the organisation's own.
INHERIT = "inherit"


class Source:
    ORGANISATION = "organisation"
    COUNTRY = "country"
    BUILT_IN = "built_in"


@dataclass(frozen=True)
class Effective:
    """The rule that applies to one kind of record, and where it comes from."""

    record_type: str
    months: int | None
    source: str

    @property
    def keeps(self) -> bool:
        return self.months is None


@dataclass(frozen=True)
class Line:
    """One line of a retention report: an organisation (None: records without one) and a kind of record."""

    organisation: Organisation | None
    rule: Effective
    cutoff: date | None
    due: int
    deleted: int = 0
    problem: str = ""


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier (the month's last day when that month is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _start_of_day_after(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _built_in(organisation: Organisation | None) -> dict[str, int | None]:
    country = COUNTRY_DEFAULT_MONTHS.get(organisation.country, {}) if organisation is not None else {}
    return {**DEFAULT_MONTHS, **country}


# --- Which rule -----------------------------------------------------------------------------------------


def inherited_rules(organisation: Organisation | None) -> dict[str, Effective]:
    """What applies without a rule of the organisation's own: its country's rule, else the built-in default."""
    national: dict[str, int | None] = {}
    if organisation is not None:
        national = dict(
            RetentionRule.objects.filter(organisation__isnull=True, country=organisation.country).values_list(
                "record_type", "months"
            )
        )
    built_in = _built_in(organisation)
    return {
        t: Effective(t, national[t], Source.COUNTRY) if t in national else Effective(t, built_in[t], Source.BUILT_IN)
        for t in RecordType.values
    }


def effective_rules(organisation: Organisation | None) -> dict[str, Effective]:
    """The rule for each kind of record: the organisation's own, else its country's, else the built-in default."""
    rules = inherited_rules(organisation)
    if organisation is not None:
        for record_type, months in RetentionRule.objects.filter(organisation=organisation).values_list(
            "record_type", "months"
        ):
            rules[record_type] = Effective(record_type, months, Source.ORGANISATION)
    return rules


# --- What is due, and deleting it -------------------------------------------------------------------------


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _patients_in_use(organisation: Organisation, cutoff: date) -> QuerySet:
    """Patients with anything at the organisation still open, or in use after the cutoff: the whole record stays."""
    from kindred.care.models import Episode
    from kindred.instruments.models import Response

    episodes = Episode.objects.filter(organisation=organisation).order_by()
    return (
        episodes.filter(Q(ended_on__isnull=True) | Q(ended_on__gt=cutoff) | ~Q(status=Episode.Status.DISCHARGED))
        .values("patient")
        .union(
            episodes.filter(tasks__due_on__gt=cutoff).values("patient"),
            episodes.filter(tasks__done_at__gte=_start_of_day_after(cutoff)).values("patient"),
            episodes.filter(information_given__given_on__gt=cutoff).values("patient"),
            episodes.filter(concern_reports__sent_on__gt=cutoff).values("patient"),
            episodes.filter(concern_reports__feedback_on__gt=cutoff).values("patient"),
            episodes.filter(sheets__updated_at__gte=_start_of_day_after(cutoff)).values("patient"),
            Response.objects.filter(
                organisation=organisation, person__isnull=False, enrolment__isnull=True, answered_on__gt=cutoff
            )
            .order_by()
            .values("person"),
            all=True,
        )
    )


def due_episodes(organisation: Organisation | None, cutoff: date) -> QuerySet:
    """Discharged episodes of patients whose whole record at the organisation was last in use by the cutoff."""
    from kindred.care.models import Episode

    if organisation is None:
        return Episode.objects.none()
    return Episode.objects.filter(
        organisation=organisation, status=Episode.Status.DISCHARGED, ended_on__lte=cutoff
    ).exclude(patient__in=_patients_in_use(organisation, cutoff))


def _clinical_due(organisation: Organisation | None, cutoff: date) -> int:
    return due_episodes(organisation, cutoff).count()


def _clinical_delete(organisation: Organisation, cutoff: date, actor: Actor) -> dict[str, int]:
    from kindred.care.models import ConcernReport, Episode
    from kindred.instruments.models import Response

    ids = list(due_episodes(organisation, cutoff).order_by("pk").values_list("pk", flat=True))
    counts: dict[str, int] = {}

    def add(result: tuple[int, dict[str, int]]) -> None:
        for label, n in result[1].items():
            counts[label] = counts.get(label, 0) + n

    for chunk in _chunks(ids):
        episodes = list(Episode.objects.filter(pk__in=chunk).select_related("patient"))
        patients = {e.patient_id for e in episodes}
        # Before the rows go, so each patient's access report names the deletion.
        record_many(actor, Action.DELETE, episodes)
        add(Response.objects.filter(episode_id__in=chunk).delete())
        add(
            Response.objects.filter(
                organisation=organisation,
                person_id__in=patients,
                episode__isnull=True,
                enrolment__isnull=True,
                campaign__isnull=True,
                answered_on__lte=cutoff,
            ).delete()
        )
        add(ConcernReport.objects.filter(episode_id__in=chunk).delete())
        add(Episode.objects.filter(pk__in=chunk).delete())
    counts["records"] = len(ids)
    return counts


def due_enrolments(organisation: Organisation | None, cutoff: date) -> QuerySet:
    """Enrolments in runs finished or cancelled by the cutoff (last session), or that themselves ended by it."""
    from kindred.programs.models import Enrolment, Run

    if organisation is None:
        return Enrolment.objects.none()
    runs_over = (
        Run.objects.filter(
            organisation=organisation, status__in=[Run.Status.FINISHED, Run.Status.CANCELLED], starts_on__lte=cutoff
        )
        .exclude(sessions__date__gt=cutoff)
        .values("pk")
    )
    ended = Q(ended_at__lt=_start_of_day_after(cutoff)) & ~Q(status__in=Enrolment.ACTIVE)
    return Enrolment.objects.filter(run__organisation=organisation).filter(Q(run__in=runs_over) | ended)


def due_participants(organisation: Organisation | None, cutoff: date) -> QuerySet:
    """Participants registered by the cutoff whose every enrolment is due (or who have none)."""
    from kindred.programs.models import Enrolment, Participant

    if organisation is None:
        return Participant.objects.none()
    kept = Enrolment.objects.exclude(pk__in=due_enrolments(organisation, cutoff).values("pk")).values("participant")
    return Participant.objects.filter(organisation=organisation, created_at__lt=_start_of_day_after(cutoff)).exclude(
        pk__in=kept
    )


def _programme_due(organisation: Organisation | None, cutoff: date) -> int:
    return due_enrolments(organisation, cutoff).count() + due_participants(organisation, cutoff).count()


def _programme_delete(organisation: Organisation, cutoff: date, actor: Actor) -> dict[str, int]:
    from kindred.instruments.models import Response
    from kindred.programs.models import Enrolment, Participant

    enrolments = list(due_enrolments(organisation, cutoff).order_by("pk").values_list("pk", flat=True))
    participants = list(due_participants(organisation, cutoff).order_by("pk").values_list("pk", flat=True))
    counts: dict[str, int] = {}
    for chunk in _chunks(enrolments):
        for result in (
            Response.objects.filter(enrolment_id__in=chunk).delete(),
            Enrolment.objects.filter(pk__in=chunk).delete(),
        ):
            for label, n in result[1].items():
                counts[label] = counts.get(label, 0) + n
    for chunk in _chunks(participants):
        counts["programs.Participant"] = (
            counts.get("programs.Participant", 0) + Participant.objects.filter(pk__in=chunk).delete()[0]
        )
    counts["records"] = len(enrolments) + len(participants)
    return counts


def due_self_referrals(organisation: Organisation | None, cutoff: date) -> QuerySet:
    from kindred.directory.models import SelfReferral

    if organisation is None:
        return SelfReferral.objects.none()
    after = _start_of_day_after(cutoff)
    return (
        SelfReferral.objects.filter(
            organisation=organisation, converted_episode__isnull=True, converted_enrolment__isnull=True
        )
        .exclude(status=SelfReferral.Status.CONVERTED)
        .filter(Q(closed_at__lt=after) | Q(closed_at__isnull=True, created_at__lt=after))
    )


def _self_referral_due(organisation: Organisation | None, cutoff: date) -> int:
    return due_self_referrals(organisation, cutoff).count()


def _self_referral_delete(organisation: Organisation, cutoff: date, actor: Actor) -> dict[str, int]:
    _total, counts = due_self_referrals(organisation, cutoff).delete()
    return {**counts, "records": counts.get("directory.SelfReferral", 0)}


def due_anonymous(organisation: Organisation | None, cutoff: date) -> QuerySet:
    """Self-test and survey answers about nobody (programme measures belong to the programme data)."""
    from kindred.instruments.models import Response

    return Response.objects.filter(
        organisation=organisation,
        person__isnull=True,
        episode__isnull=True,
        enrolment__isnull=True,
        answered_on__lte=cutoff,
    )


def _anonymous_due(organisation: Organisation | None, cutoff: date) -> int:
    return due_anonymous(organisation, cutoff).count()


def _anonymous_delete(organisation: Organisation | None, cutoff: date, actor: Actor) -> dict[str, int]:
    total, counts = due_anonymous(organisation, cutoff).delete()
    return {**counts, "records": total}


def due_access_log(organisation: Organisation | None, cutoff: date) -> QuerySet:
    return AccessLog.objects.filter(organisation=organisation, at__lt=_start_of_day_after(cutoff))


def _access_log_due(organisation: Organisation | None, cutoff: date) -> int:
    return due_access_log(organisation, cutoff).count()


def _access_log_delete(organisation: Organisation | None, cutoff: date, actor: Actor) -> dict[str, int]:
    deleted = AccessLog.objects.filter(organisation=organisation).expire(_start_of_day_after(cutoff))
    return {"audit.AccessLog": deleted, "records": deleted}


@dataclass(frozen=True)
class Kind:
    count: Callable[[Organisation | None, date], int]
    delete: Callable[[Organisation | None, date, Actor], dict[str, int]]


KINDS: dict[str, Kind] = {
    RecordType.CLINICAL: Kind(_clinical_due, _clinical_delete),
    RecordType.PROGRAMME: Kind(_programme_due, _programme_delete),
    RecordType.SELF_REFERRAL: Kind(_self_referral_due, _self_referral_delete),
    RecordType.ANONYMOUS: Kind(_anonymous_due, _anonymous_delete),
    RecordType.ACCESS_LOG: Kind(_access_log_due, _access_log_delete),
}


# --- The report and the run -------------------------------------------------------------------------------


def report(today: date, organisations: Iterable[Organisation | None] | None = None) -> list[Line]:
    """How many records each organisation holds that are due on `today`, per kind of record (changes nothing).

    Without `organisations`: every organisation, then the records without one."""
    holders = list(organisations) if organisations is not None else [*Organisation.objects.order_by("name", "pk"), None]
    lines = []
    for organisation in holders:
        rules = effective_rules(organisation)
        for record_type in RecordType.values:
            if organisation is None and record_type not in WITHOUT_ORGANISATION:
                continue
            rule = rules[record_type]
            if rule.keeps:
                lines.append(Line(organisation, rule, None, 0))
                continue
            cutoff = months_before(today, rule.months)
            lines.append(Line(organisation, rule, cutoff, KINDS[record_type].count(organisation, cutoff)))
    return lines


def _system_actor(organisation: Organisation | None, today: date) -> Actor:
    # Not a member: an unsaved membership only carries the organisation onto the audit rows.
    membership = Membership(organisation=organisation, role="") if organisation is not None else None
    return Actor(None, membership, f"retention-{today:%Y%m%d}", via="cli")


def _delete(line: Line, today: date) -> Line:
    organisation, record_type = line.organisation, line.rule.record_type
    actor = _system_actor(organisation, today)
    try:
        with transaction.atomic():
            counts = KINDS[record_type].delete(organisation, line.cutoff, actor)
            deleted = counts.pop("records")
            record(
                actor,
                Action.DELETE,
                object_type=f"retention.{record_type}",
                details={
                    "record_type": record_type,
                    "months": line.rule.months,
                    "rule": line.rule.source,
                    "cutoff": line.cutoff.isoformat(),
                    "records": deleted,
                    "rows": counts,
                },
            )
    except (ProtectedError, RestrictedError) as error:
        # Another record still points at one of these; nothing of this line was deleted.
        blocking = getattr(error, "protected_objects", None) or getattr(error, "restricted_objects", ())
        names = sorted({str(obj._meta.verbose_name) for obj in list(blocking)[:20]})
        return replace(line, problem=_("Kept: still used by %(what)s.") % {"what": ", ".join(names)})
    return replace(line, deleted=deleted)


def apply_retention(
    today: date, *, dry_run: bool = False, organisations: Iterable[Organisation | None] | None = None
) -> list[Line]:
    """Delete what is due on `today` (one transaction per organisation and kind of record); the report.

    With `dry_run` only the report. A real run for a day after today is refused: it would delete early."""
    if not dry_run and today > timezone.localdate():
        raise ValidationError(
            _("Records can only be deleted as of today or an earlier day; use a dry run to look ahead.")
        )
    lines = report(today, organisations)
    if dry_run:
        return lines
    return [_delete(line, today) if line.due else line for line in lines]


# --- Changing the organisation's rules --------------------------------------------------------------------


def check_months(record_type: str, months: int) -> None:
    minimum = MINIMUM_MONTHS[record_type]
    if not minimum <= months <= MAXIMUM_MONTHS:
        raise ValidationError(
            _("Between %(minimum)s and %(maximum)s months for this kind of record.")
            % {"minimum": minimum, "maximum": MAXIMUM_MONTHS}
        )


@transaction.atomic
def set_rules(actor: Actor, choices: dict[str, int | str | None]) -> int:
    """Set the organisation's own rules: months, None (keep until changed) or INHERIT (no rule of its own).

    Checked as a whole first: one bad value changes nothing. Each change is audited; the number of changes."""
    if not actor.can(Capability.MANAGE_ORGANISATION):
        raise PermissionDenied
    errors = {}
    for record_type, value in choices.items():
        if record_type not in RecordType.values:
            errors["__all__"] = [_("Unknown kind of record.")]
        elif isinstance(value, int):
            try:
                check_months(record_type, value)
            except ValidationError as error:
                errors[f"{record_type}_months"] = error.messages
        elif value is not None and value != INHERIT:
            errors[f"{record_type}_mode"] = [_("Choose how long to keep these records.")]
    if errors:
        raise ValidationError(errors)
    organisation = actor.organisation
    existing = {rule.record_type: rule for rule in RetentionRule.objects.filter(organisation=organisation)}
    changed = 0
    for record_type, value in choices.items():
        rule = existing.get(record_type)
        if value == INHERIT:
            if rule is None:
                continue
            before = rule.months
            rule.delete()
            record(
                actor,
                Action.CHANGE,
                object_type="retention.retentionrule",
                details={"record_type": record_type, "before": before, "after": INHERIT},
            )
        else:
            if rule is not None and rule.months == value:
                continue
            before = rule.months if rule is not None else INHERIT
            rule, _created = RetentionRule.objects.update_or_create(
                organisation=organisation, record_type=record_type, defaults={"months": value, "updated_by": actor.user}
            )
            record(actor, Action.CHANGE, rule, details={"record_type": record_type, "before": before, "after": value})
        changed += 1
    return changed
