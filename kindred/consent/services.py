"""Consents and the sharing rule: what organisation B may see of a person held by organisation A.

One rule, here: B sees a person held by A only while a valid consent recorded at A covers B
(by name, or by kind in a municipality), and only the consented categories of A's information.
A consent about a parent that covers "the children's situation" covers each minor child too.
An accepted referral shares under its consent, so a revoked or expired consent ends it at once.
Everything else is "not found". Concern reports to child welfare are the lawful exception
(helsepersonelloven §33, barnets lov §133) and need no consent: see kindred.care.services.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.audit.services import Action, record
from kindred.consent.models import Category, Consent
from kindred.orgs.actors import Actor
from kindred.orgs.models import Capability, Organisation
from kindred.people.models import Person, Relationship


def _require(actor: Actor, capability: str) -> None:
    if not actor.can(capability):
        raise PermissionError(capability)


@dataclass
class ConsentData:
    categories: list[str]
    purpose: str
    valid_from: date
    valid_until: date
    form: str
    recipient_organisation_id: int | None = None
    recipient_kind: str = ""
    recipient_municipality: str = ""
    given_by: str = Consent.GivenBy.PERSON
    guardian_name: str = ""
    scan: object | None = None


def _clean(data: ConsentData) -> None:
    errors: dict[str, str] = {}
    if not data.categories or set(data.categories) - set(Category.values):
        errors["categories"] = _("Choose what information the consent covers.")
    if not data.purpose.strip():
        errors["purpose"] = _("Say what the information may be used for.")
    if data.valid_until < data.valid_from:
        errors["valid_until"] = _("The end date is before the start date.")
    if data.form not in Consent.Form.values:
        errors["form"] = _("Choose verbal or written.")
    if data.given_by not in Consent.GivenBy.values:
        errors["given_by"] = _("Say who gave the consent.")
    if data.given_by == Consent.GivenBy.GUARDIAN and not data.guardian_name.strip():
        errors["guardian_name"] = _("Give the guardian's name.")
    if data.recipient_organisation_id is not None:
        if data.recipient_kind or data.recipient_municipality:
            errors["recipient_kind"] = _("Choose either a named organisation or a kind of service, not both.")
        elif not Organisation.objects.filter(pk=data.recipient_organisation_id).exists():
            errors["recipient_organisation"] = _("Unknown organisation.")
    elif not data.recipient_kind:
        errors["recipient_organisation"] = _("Choose who may receive the information.")
    elif data.recipient_kind not in Organisation.Kind.values:
        errors["recipient_kind"] = _("Unknown kind of service.")
    if data.recipient_municipality and not (
        data.recipient_municipality.isdigit() and len(data.recipient_municipality) in (3, 4)
    ):
        errors["recipient_municipality"] = _("A municipality number has three or four digits.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def record_consent(actor: Actor, person: Person, data: ConsentData) -> Consent:
    """Record a consent for a person the actor may see (the caller got `person` through the access rule)."""
    _require(actor, Capability.EDIT_CASES)
    _clean(data)
    consent = Consent.objects.create(
        person=person,
        organisation=actor.organisation,
        given_by=data.given_by,
        guardian_name=data.guardian_name.strip(),
        categories=sorted(set(data.categories)),
        recipient_organisation_id=data.recipient_organisation_id,
        recipient_kind=data.recipient_kind,
        recipient_municipality=data.recipient_municipality,
        purpose=data.purpose.strip(),
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        form=data.form,
        recorded_by=actor.user,
        **({"scan": data.scan} if data.scan else {}),
    )
    record(actor, Action.CREATE, consent, details={"categories": consent.categories})
    return consent


def consents_recorded_by(actor: Actor) -> QuerySet[Consent]:
    return Consent.objects.filter(organisation=actor.organisation)


@transaction.atomic
def revoke_consent(actor: Actor, consent: Consent, *, revoked_on: date | None = None) -> Consent:
    """Withdraw a consent: all sharing under it stops with the next request."""
    _require(actor, Capability.EDIT_CASES)
    if consent.organisation_id != actor.organisation.pk:
        raise Http404
    revoked_on = revoked_on or timezone.localdate()
    if revoked_on > timezone.localdate():
        raise ValidationError({"revoked_on": _("The revocation date cannot be in the future.")})
    if consent.revoked_at is None:
        consent.revoked_at = timezone.now()
        consent.revoked_on = revoked_on
        consent.revoked_by = actor.user
        consent.save(update_fields=["revoked_at", "revoked_on", "revoked_by"])
        record(actor, Action.CHANGE, consent, details={"revoked": revoked_on.isoformat()})
    return consent


# --- The sharing rule ---------------------------------------------------------------------------


@dataclass
class Share:
    """What one holding organisation (A) shares of a person with the actor's organisation (B)."""

    organisation: Organisation
    categories: set[str] = field(default_factory=set)
    consents: list[Consent] = field(default_factory=list)


def _parents_of(person: Person) -> QuerySet[Person]:
    return Person.objects.filter(relationships_from__other=person, relationships_from__kind=Relationship.Kind.PARENT_OF)


def _is_minor(person: Person) -> bool:
    """Known to be under 18: only minor children are covered by a consent about their parent."""
    return person.age is not None and person.age < 18


def shares_for(actor: Actor, person: Person) -> list[Share]:
    """Every organisation sharing something of `person` with the actor's organisation, and what."""
    return shares_for_many(actor, [person])[person.pk]


def shares_for_many(actor: Actor, persons) -> dict[int, list[Share]]:
    """`shares_for` of each person (by primary key), in two queries however many persons."""
    persons = list(persons)
    if not actor.can(Capability.VIEW_PERSONAL_DATA) or not persons:
        return {p.pk: [] for p in persons}
    ids = [p.pk for p in persons]
    parents: dict[int, set[int]] = {}
    links = Relationship.objects.filter(other_id__in=ids, kind=Relationship.Kind.PARENT_OF)
    for child_id, parent_id in links.values_list("other_id", "person_id"):
        parents.setdefault(child_id, set()).add(parent_id)
    consents = list(
        Consent.objects.valid()
        .covering(actor.organisation)
        .exclude(organisation=actor.organisation)
        .filter(Q(person_id__in=ids) | Q(person_id__in={pk for found in parents.values() for pk in found}))
        .select_related("organisation")
    )
    result: dict[int, list[Share]] = {}
    for person in persons:
        shares: dict[int, Share] = {}
        for consent in consents:
            if consent.person_id == person.pk:
                categories = set(consent.categories)
            elif (
                consent.person_id in parents.get(person.pk, ())
                and Category.CHILDREN in consent.categories
                and _is_minor(person)
            ):
                categories = {Category.CHILDREN}  # about a parent: only the child's situation reaches the child
            else:
                continue
            share = shares.setdefault(consent.organisation_id, Share(consent.organisation))
            share.categories |= categories
            share.consents.append(consent)
        result[person.pk] = list(shares.values())
    return result


def shared_persons(actor: Actor) -> QuerySet[Person]:
    """Persons other organisations share with the actor's organisation (and the minor children they cover)."""
    if not actor.can(Capability.VIEW_PERSONAL_DATA):
        return Person.objects.none()
    consents = Consent.objects.valid().covering(actor.organisation).exclude(organisation=actor.organisation)
    with_children = [c.person_id for c in consents.only("person_id", "categories") if Category.CHILDREN in c.categories]
    children = Person.objects.filter(
        relationships_to__kind=Relationship.Kind.PARENT_OF, relationships_to__person_id__in=with_children
    ).only("pk", "birth_date", "birth_year")
    minors = [child.pk for child in children if _is_minor(child)]
    return Person.objects.filter(Q(pk__in=consents.values("person")) | Q(pk__in=minors))


def get_shared_person(actor: Actor, pk) -> tuple[Person, list[Share]]:
    """The person and what is shared, with an audit row naming the categories; 404 when nothing is."""
    try:
        person = Person.objects.get(pk=int(pk))
    except (Person.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    shares = shares_for(actor, person)
    if not shares:
        raise Http404
    record(
        actor,
        Action.VIEW,
        person,
        details={
            "shared_by": {str(s.organisation.pk): sorted(s.categories) for s in shares},
            "consents": [c.pk for s in shares for c in s.consents],
        },
    )
    return person, shares


def covering_consent(person: Person, organisation: Organisation, holder: Organisation, categories) -> Consent | None:
    """A valid consent recorded at `holder` for `person` that covers `organisation` and every category."""
    for consent in Consent.objects.valid().covering(organisation).filter(person=person, organisation=holder):
        if set(categories) <= set(consent.categories):
            return consent
    return None


def shared_summary(share: Share, person: Person) -> dict:
    """The consented parts of what `share.organisation` holds about `person`, and nothing else."""
    return shared_summaries([share], person)[0]


def shared_summaries(shares: list[Share], person: Person) -> list[dict]:
    """`shared_summary` for each share, in a fixed number of queries however many organisations share."""
    from kindred.care.models import ChildSheet, Episode, InformationGiven
    from kindred.referrals.models import ChildAgreement

    with_episodes = [s.organisation.pk for s in shares if Category.EPISODE in s.categories]
    with_children = [s.organisation.pk for s in shares if Category.CHILDREN in s.categories]
    episodes: dict[int, list] = {pk: [] for pk in with_episodes}
    if with_episodes:
        for episode in Episode.objects.filter(organisation__in=with_episodes, patient=person).order_by("-started_on"):
            episodes[episode.organisation_id].append(episode)
    children: list[Person] = []
    sheets: list = []
    info: list = []
    agreements: list = []
    if with_children:
        own_children = Person.objects.filter(
            relationships_to__person=person, relationships_to__kind=Relationship.Kind.PARENT_OF
        )
        is_child = _is_minor(person) and _parents_of(person).exists()
        children = [person] if is_child else list(own_children)
        sheets = list(
            ChildSheet.objects.filter(episode__organisation__in=with_children, child__in=children).select_related(
                "episode"
            )
        )
        info = list(
            InformationGiven.objects.filter(episode__organisation__in=with_children, child__in=children).select_related(
                "episode"
            )
        )
        agreements = list(ChildAgreement.objects.filter(child__in=children).select_related("responsible_organisation"))
    summaries = []
    for share in shares:
        held = share.organisation.pk
        summary: dict = {"organisation": share.organisation, "categories": share.categories}
        if Category.EPISODE in share.categories:
            summary["episodes"] = episodes[held]
        if Category.CHILDREN in share.categories:
            summary["children"] = [
                {
                    "child": c,
                    "sheets": [s for s in sheets if s.child_id == c.pk and s.episode.organisation_id == held],
                    "information": [i for i in info if i.child_id == c.pk and i.episode.organisation_id == held],
                    "agreements": [a for a in agreements if a.child_id == c.pk],
                }
                for c in children
                if c.age is None or c.age < 18
            ]
        summaries.append(summary)
    return summaries
