"""Use cases for persons: national ids, registration with duplicate warnings, relationships."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.dk import cpr
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.no import fodselsnummer

from kindred.audit.services import Action, record
from kindred.orgs.actors import Actor
from kindred.people.access import persons_held_by_organisation, visible_among, visible_ids, visible_persons
from kindred.people.models import Person, Relationship


@dataclass(frozen=True)
class NationalId:
    number: str
    kind: str
    birth_date: date


def parse_national_id(value: str) -> NationalId:
    """A Norwegian fødselsnummer or D-number (11 digits) or a Danish CPR number (10 digits)."""
    compact = "".join(ch for ch in value if ch.isdigit())
    if len(value.replace(" ", "").replace("-", "")) != len(compact):
        raise ValidationError(_("A national id has only digits (spaces and a hyphen are allowed)."))
    try:
        if len(compact) == 11:
            fodselsnummer.validate(compact)
            kind = Person.IdKind.DNR if int(compact[0]) >= 4 else Person.IdKind.FNR
            return NationalId(compact, kind, fodselsnummer.get_birth_date(compact))
        if len(compact) == 10:
            cpr.validate(compact)
            return NationalId(compact, Person.IdKind.CPR, cpr.get_birth_date(compact))
    except StdnumError:
        raise ValidationError(
            _("This is not a valid national id number. Check the digits, or leave the field empty.")
        ) from None
    raise ValidationError(_("A Norwegian national id or D-number has 11 digits; a Danish CPR number has 10 digits."))


SEARCH_MIN_LENGTH = 2
SEARCH_MAX_LENGTH = 100
SEARCH_MAX_WORDS = 6


# Up to this many persons in the whole country matching a name search are checked one by one (visible_among).
SEARCH_FEW = 200


def search_persons(actor: Actor, query: str) -> QuerySet[Person]:
    """The persons the actor may see (the access rule) who match a search, sorted by family and given name.

    A query that is a national id (a fødselsnummer or D-number, or a Danish CPR number with or without
    the hyphen) finds that exact national id. Otherwise every word must match the start of the given
    name or of the family name, in any case: "kari nor" finds Kari Nordmann. A query shorter than
    SEARCH_MIN_LENGTH characters is refused (ValidationError), so a search never lists everyone.

    The name words are compared as `UPPER(name) LIKE 'WORD%'`, which the person_*_name_prefix indexes
    serve on PostgreSQL. The caller writes the audit trail for the persons it shows."""
    query = " ".join(str(query or "").replace("\x00", " ").split())  # PostgreSQL refuses NUL characters
    if len(query) < SEARCH_MIN_LENGTH:
        raise ValidationError(
            {"q": _("Type at least %(n)s characters of a name, or a national id.") % {"n": SEARCH_MIN_LENGTH}}
        )
    if len(query) > SEARCH_MAX_LENGTH:
        raise ValidationError({"q": _("Search with at most %(n)s characters.") % {"n": SEARCH_MAX_LENGTH}})
    order = ("family_name", "given_name", "id")
    if any(ch.isdigit() for ch in query):
        try:
            number = parse_national_id(query).number
        except ValidationError:
            pass  # not a national id: perhaps a name with a digit in it, which then simply finds no one
        else:
            # One national id names a handful of persons at most: check those against the rule.
            return visible_among(actor, Person.objects.filter(national_id=number)).order_by(*order)
    matches = Person.objects.alias(search_given=Upper("given_name"), search_family=Upper("family_name"))
    for word in query.split()[:SEARCH_MAX_WORDS]:
        word = word.upper()
        matches = matches.filter(_starts_with("search_given", word) | _starts_with("search_family", word))
    # A name that few persons in the country share is checked person by person against the rule (a few index
    # probes each); a common one is matched within the set of visible persons instead.
    few = list(matches.order_by().values_list("pk", flat=True)[: SEARCH_FEW + 1])
    if len(few) <= SEARCH_FEW:
        return Person.objects.filter(pk__in=visible_ids(actor, set(few))).order_by(*order)
    return visible_persons(actor).filter(pk__in=matches.values("pk")).order_by(*order)


def _starts_with(name: str, prefix: str) -> Q:
    """`name` starts with `prefix`: LIKE 'PREFIX%' on PostgreSQL, which the text_pattern_ops indexes serve; a range
    [prefix, prefix + U+10FFFF) elsewhere, because SQLite uses an index on an expression for a range but never for
    LIKE (a search by name scanned every person). SQLite compares text by code point, so both mean the same."""
    if connection.vendor == "postgresql":
        return Q(**{f"{name}__startswith": prefix})
    return Q(**{f"{name}__gte": prefix, f"{name}__lt": prefix + "\U0010ffff"})


@dataclass
class PersonData:
    given_name: str = ""
    family_name: str = ""
    national_id: str = ""
    birth_date: date | None = None
    birth_year: int | None = None
    sex: str = ""
    preferred_language: str = ""
    interpreter_needed: bool = False


def clean_person_data(data: PersonData) -> PersonData:
    """Derive and check identity fields; raise ValidationError naming the field."""
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if data.national_id:
        try:
            nid = parse_national_id(data.national_id)
        except ValidationError as error:
            errors["national_id"] = error.messages[0]
        else:
            if data.birth_date and data.birth_date != nid.birth_date:
                errors["birth_date"] = _("The birth date does not match the national id.")
            data.national_id, data.birth_date = nid.number, nid.birth_date
    if data.birth_date:
        if data.birth_date > today:
            errors["birth_date"] = _("The birth date cannot be in the future.")
        if data.birth_year and data.birth_year != data.birth_date.year:
            errors["birth_year"] = _("The birth year does not match the birth date.")
        data.birth_year = data.birth_date.year
    if data.birth_year is not None and not (1900 <= data.birth_year <= today.year):
        errors["birth_year"] = _("Give a birth year between 1900 and this year.")
    if errors:
        raise ValidationError(errors)
    return data


def id_kind_of(national_id: str) -> str:
    return parse_national_id(national_id).kind if national_id else ""


def possible_duplicates(actor: Actor, data: PersonData):
    """Persons already in the organisation's view with the same national id, or name and birth date."""
    held = persons_held_by_organisation(actor.organisation)
    if data.national_id:
        same_id = held.filter(national_id=data.national_id)
        if same_id.exists():
            return same_id
    if data.given_name and data.family_name and data.birth_date:
        return held.filter(
            given_name__iexact=data.given_name, family_name__iexact=data.family_name, birth_date=data.birth_date
        )
    return Person.objects.none()


@transaction.atomic
def register_person(actor: Actor, data: PersonData) -> Person:
    """Create a person, or reuse the one the organisation already holds with this national id.

    A person held only by another organisation is never reused: that would let this
    organisation see what the other recorded (the family, for one). Sharing across
    organisations goes through referrals and consent, not through identifiers."""
    data = clean_person_data(data)
    if data.national_id:
        existing = persons_held_by_organisation(actor.organisation).filter(national_id=data.national_id).first()
        if existing is not None:
            return existing
    person = Person.objects.create(
        given_name=data.given_name.strip(),
        family_name=data.family_name.strip(),
        national_id=data.national_id,
        id_kind=id_kind_of(data.national_id),
        birth_date=data.birth_date,
        birth_year=data.birth_year,
        sex=data.sex,
        preferred_language=data.preferred_language,
        interpreter_needed=data.interpreter_needed,
        registered_by=actor.organisation,
        created_by=actor.user,
    )
    record(actor, Action.CREATE, person)
    return person


@transaction.atomic
def relate(
    actor: Actor,
    person: Person,
    other: Person,
    kind: str,
    *,
    parental_responsibility: str = "",
    contact_arrangement: str = "",
    lives_together: bool | None = None,
    description: str = "",
) -> Relationship:
    if person.pk == other.pk:
        raise ValidationError(_("A person cannot be related to themselves."))
    if kind not in Relationship.Kind.values:
        raise ValidationError(_("Choose a valid relation."))
    relationship, created = Relationship.objects.update_or_create(
        person=person,
        other=other,
        kind=kind,
        defaults={
            "parental_responsibility": parental_responsibility,
            "contact_arrangement": contact_arrangement,
            "lives_together": lives_together,
            "description": description,
            "created_by": actor.user,
        },
    )
    if kind == Relationship.Kind.PARENT_OF:
        from kindred.care.follow_up import refresh_follow_up_of_patient  # care builds on people

        refresh_follow_up_of_patient(person.pk)
    record(actor, Action.CREATE if created else Action.CHANGE, relationship)
    return relationship


def family_of(person: Person, visible=None) -> list[tuple[str, Relationship, Person]]:
    """Everyone related to the person (limited to `visible` persons when given), as
    (role label, relationship, other person), in two queries."""
    rows: list[tuple[str, Relationship, Person]] = []
    outgoing = person.relationships_from.select_related("other")
    incoming = person.relationships_to.select_related("person")
    if visible is not None:
        outgoing = outgoing.filter(other__in=visible)
        incoming = incoming.filter(person__in=visible)
    for rel in outgoing:
        label = {
            Relationship.Kind.PARENT_OF: _("Child"),
            Relationship.Kind.PARTNER: _("Partner"),
            Relationship.Kind.SIBLING: _("Sibling"),
            Relationship.Kind.OTHER_CLOSE: _("Other close person"),
        }[rel.kind]
        rows.append((label, rel, rel.other))
    for rel in incoming:
        label = {
            Relationship.Kind.PARENT_OF: _("Parent"),
            Relationship.Kind.PARTNER: _("Partner"),
            Relationship.Kind.SIBLING: _("Sibling"),
            Relationship.Kind.OTHER_CLOSE: _("Other close person"),
        }[rel.kind]
        rows.append((label, rel, rel.person))
    return rows


@transaction.atomic
def add_relative(
    actor: Actor,
    person: Person,
    data: PersonData,
    kind: str,
    *,
    description: str = "",
    lives_together: bool | None = None,
    parental_responsibility: str = "",
    contact_arrangement: str = "",
) -> Relationship:
    """Register someone close to a visible person (partner, parent, sibling, friend, neighbour) and relate them.

    `kind` is what the new person is to `person`: "parent_of" means the new person is the parent."""
    from kindred.orgs.models import Capability

    if not actor.can(Capability.EDIT_CASES):
        raise PermissionError(Capability.EDIT_CASES)
    if kind not in Relationship.Kind.values:
        raise ValidationError({"kind": _("Choose a valid relation.")})
    if not (data.given_name or data.family_name):
        raise ValidationError({"given_name": _("Give at least a given name or a family name.")})
    relative = register_person(actor, data)
    if kind == Relationship.Kind.PARENT_OF:
        return relate(
            actor,
            relative,
            person,
            kind,
            description=description,
            lives_together=lives_together,
            parental_responsibility=parental_responsibility,
            contact_arrangement=contact_arrangement,
        )
    return relate(actor, person, relative, kind, description=description, lives_together=lives_together)
