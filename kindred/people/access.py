"""Who may see which person: the one access rule. Every query of personal data starts here.

A person is visible to an actor when the actor's active role may see personal data and
- the person is a patient of an episode at the actor's organisation (for clinicians: an
  episode where they are the responsible clinician or the child-responsible contact;
  child-responsible staff and coordinators see the whole unit), or
- the person is family (children, partner, siblings, others close) of such a patient, or
- the actor registered the person and no episode exists yet, or
- the actor holds an unexpired break-the-glass grant for the person (or their family).
Everything else is "not found" (404), so ids leak nothing. Referrals and consents
(issue 4) will widen this rule here and nowhere else.

Programmes for relatives hold personal data too, and follow the same rule from here:
- programme runs, their participants and enrolments are visible to members whose role manages
  programmes (the whole organisation) and to group leaders for the runs they lead;
- self-referrals are visible to members whose role manages programmes, in the receiving organisation.
Participants are not persons: a pseudonymous participant is never found by a person search.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.audit.services import Action, record
from kindred.orgs.actors import Actor
from kindred.orgs.models import Capability
from kindred.people.models import AccessGrant, Person, Relationship


def visible_episodes(actor: Actor):
    """Episodes the actor may see (see the module docstring)."""
    from kindred.care.models import Episode

    if not actor.can(Capability.VIEW_PERSONAL_DATA):
        return Episode.objects.none()
    episodes = Episode.objects.filter(organisation=actor.organisation)
    if actor.can(Capability.CHILDREN_OVERVIEW):
        return episodes
    granted = AccessGrant.objects.active().filter(user=actor.user, organisation=actor.organisation)
    return episodes.filter(
        Q(responsible=actor.user) | Q(child_contact=actor.user) | Q(patient__in=granted.values("person"))
    )


def visible_persons(actor: Actor) -> QuerySet[Person]:
    if not actor.can(Capability.VIEW_PERSONAL_DATA):
        return Person.objects.none()
    patients = visible_episodes(actor).order_by().values("patient")
    granted = (
        AccessGrant.objects.active()
        .filter(user=actor.user, organisation=actor.organisation)
        .order_by()
        .values("person")
    )
    # Registered here and not (yet) anyone's patient: NOT EXISTS is an anti-join on the episodes' patient index
    # (a LEFT JOIN ... IS NULL made PostgreSQL hash every episode in the country).
    from kindred.care.models import Episode

    own_new = Person.objects.filter(registered_by=actor.organisation).filter(
        ~Exists(Episode.objects.filter(patient=OuterRef("pk")))
    )
    if not actor.can(Capability.CHILDREN_OVERVIEW):
        own_new = own_new.filter(created_by=actor.user)
    # One set of ids, a UNION of parts that indexes serve: PostgreSQL makes `id IN (...)` a semi-join from the few
    # visible ids. (An OR of IN-subqueries scanned every person and every relationship at national scale.)
    ids = patients.union(
        granted,
        Relationship.objects.filter(person__in=patients).values("other"),
        Relationship.objects.filter(person__in=granted).values("other"),
        Relationship.objects.filter(other__in=patients).values("person"),
        Relationship.objects.filter(other__in=granted).values("person"),
        own_new.order_by().values("pk"),
        all=True,
    )
    return Person.objects.filter(pk__in=ids)


def visible_among(actor: Actor, persons: QuerySet[Person]) -> QuerySet[Person]:
    """The same rule as visible_persons, asked of a few candidates already found (by id or national id).

    visible_persons builds the whole set of visible ids, which a list needs; to check one person that costs
    tens of milliseconds in a large unit. Here the rule is asked of the candidates and their relatives only, in
    four small queries: the candidates, their relationships, which of them all are patients of a visible
    episode or granted to the actor, and which candidates the actor's organisation registered without an
    episode. (One statement of correlated EXISTS did the same, but building it cost Django 5 ms a time.) Use it
    only on querysets already narrowed to a handful of rows; the test compares both forms of the rule."""
    visible = visible_ids(actor, set(persons.order_by().values_list("pk", flat=True)))
    return persons.filter(pk__in=visible) if visible else persons.none()


def visible_ids(actor: Actor, candidates: set[int]) -> set[int]:
    """Which of the candidate person ids the actor may see (visible_among's rule, on ids)."""
    if not candidates or not actor.can(Capability.VIEW_PERSONAL_DATA):
        return set()
    from kindred.care.models import Episode

    pairs = list(
        Relationship.objects.filter(Q(person__in=candidates) | Q(other__in=candidates)).values_list("person", "other")
    )
    near = candidates.union(*pairs)
    held = set(
        visible_episodes(actor)
        .filter(patient__in=near)
        .order_by()
        .values_list("patient", flat=True)
        .union(
            AccessGrant.objects.active()
            .filter(user=actor.user, organisation=actor.organisation, person__in=near)
            .order_by()
            .values_list("person", flat=True)
        )
    )
    visible = candidates & held
    for person, other in pairs:  # family of a held patient, either way round
        if person in candidates and other in held:
            visible.add(person)
        if other in candidates and person in held:
            visible.add(other)
    if candidates - visible:
        own_new = Person.objects.filter(pk__in=candidates - visible, registered_by=actor.organisation).filter(
            ~Exists(Episode.objects.filter(patient=OuterRef("pk")))
        )
        if not actor.can(Capability.CHILDREN_OVERVIEW):
            own_new = own_new.filter(created_by=actor.user)
        visible.update(own_new.values_list("pk", flat=True))
    return visible


def visible_family(actor: Actor, person: Person) -> QuerySet[Person]:
    """The persons related to `person` (either way) whom the actor may see: the rule asked of those few."""
    pairs = Relationship.objects.filter(Q(person=person) | Q(other=person)).values_list("person", "other")
    related = {pk for pair in pairs for pk in pair} - {person.pk}
    return Person.objects.filter(pk__in=visible_ids(actor, related))


def get_person(
    actor: Actor, pk, *, action: str = Action.VIEW, obj=None, reason: str = "", details: dict | None = None
) -> Person:
    """The person if visible, with an audit row for `action`; otherwise Http404."""
    try:
        person = Person.objects.get(pk=int(pk))
    except (Person.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    if person.pk not in visible_ids(actor, {person.pk}):
        raise Http404
    record(actor, action, obj or person, subject=person, reason=reason, details=details)
    return person


def get_episode(actor: Actor, pk, *, action: str = Action.VIEW):
    from kindred.care.models import Episode

    try:
        episode = visible_episodes(actor).select_related("patient", "responsible", "child_contact").get(pk=int(pk))
    except (Episode.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    record(actor, action, episode)
    return episode


def persons_held_by_organisation(organisation) -> QuerySet[Person]:
    """All persons the organisation holds (for duplicate checks), without caseload limits."""
    from kindred.care.models import Episode

    patients = Episode.objects.filter(organisation=organisation).values("patient")
    family = Relationship.objects.filter(person__in=patients).values("other")
    return Person.objects.filter(Q(pk__in=patients) | Q(pk__in=family) | Q(registered_by=organisation))


@transaction.atomic
def break_the_glass(actor: Actor, person_pk, reason: str) -> AccessGrant:
    """Temporary access for one clinician to a patient of their unit outside their caseload."""
    from kindred.care.models import Episode

    if not actor.can(Capability.EDIT_CASES):
        raise Http404
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ValidationError({"reason": _("Write why you need access (at least 10 characters).")})
    try:
        person_pk = int(person_pk)
    except (ValueError, TypeError):
        raise Http404 from None
    # Only patients of the actor's own organisation can be opened this way.
    if not Episode.objects.filter(organisation=actor.organisation, patient_id=person_pk).exists():
        raise Http404
    grant = AccessGrant.objects.create(
        user=actor.user,
        organisation=actor.organisation,
        person_id=person_pk,
        reason=reason,
        expires_at=timezone.now() + timedelta(hours=settings.BREAK_GLASS_HOURS),
    )
    record(actor, Action.VIEW, grant, reason=reason, details={"break_the_glass": True})
    return grant


def grants_to_review(actor: Actor) -> QuerySet[AccessGrant]:
    if not actor.can(Capability.CHILDREN_OVERVIEW):
        return AccessGrant.objects.none()
    return AccessGrant.objects.filter(organisation=actor.organisation).select_related("user", "person", "reviewed_by")


@transaction.atomic
def review_grant(actor: Actor, grant_pk) -> AccessGrant:
    try:
        grant = grants_to_review(actor).get(pk=int(grant_pk))
    except (AccessGrant.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    grant.reviewed_by = actor.user
    grant.reviewed_at = timezone.now()
    grant.save(update_fields=["reviewed_by", "reviewed_at"])
    record(actor, Action.CHANGE, grant, details={"reviewed": True})
    return grant


# --- Programmes and self-referrals -----------------------------------------------------------------


def visible_runs(actor: Actor):
    from kindred.programs.models import Run

    if actor.can(Capability.MANAGE_PROGRAMMES):
        return Run.objects.filter(organisation=actor.organisation)
    if actor.can(Capability.RUN_PROGRAMMES):
        return Run.objects.filter(organisation=actor.organisation, leaders=actor.user)
    return Run.objects.none()


def visible_enrolments(actor: Actor):
    from kindred.programs.models import Enrolment

    return Enrolment.objects.filter(run__in=visible_runs(actor))


def visible_participants(actor: Actor):
    from kindred.programs.models import Participant

    if actor.can(Capability.MANAGE_PROGRAMMES):
        return Participant.objects.filter(organisation=actor.organisation)
    return Participant.objects.filter(pk__in=visible_enrolments(actor).values("participant"))


def visible_self_referrals(actor: Actor):
    from kindred.directory.models import SelfReferral

    if not actor.can(Capability.MANAGE_PROGRAMMES):
        return SelfReferral.objects.none()
    return SelfReferral.objects.filter(organisation=actor.organisation)


def get_visible(actor: Actor, queryset, pk, *, action: str = Action.VIEW, details=None):
    """One row of an access-rule queryset (above) with an audit row for `action`; otherwise Http404."""
    try:
        obj = queryset.get(pk=int(pk))
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    record(actor, action, obj, details=details)
    return obj
