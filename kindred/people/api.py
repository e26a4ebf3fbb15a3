"""Persons in the API: the ones the actor may see, each read written to the audit trail."""

from __future__ import annotations

from datetime import date

from ninja import Field, Query, Router, Schema, Status

from kindred.api_schemas import PageIn, PageOut, PathId, choice, errors, page_of, text
from kindred.audit.services import Action, record_many
from kindred.people.access import get_person, visible_family, visible_persons
from kindred.people.models import Person, Relationship
from kindred.people.services import SEARCH_MAX_LENGTH, PersonData, add_relative, family_of, search_persons

router = Router(tags=["people"])


class PersonIn(Schema):
    """A new person. A national id (fødselsnummer, D-number or CPR) gives the birth date."""

    given_name: text(100) = ""
    family_name: text(100) = ""
    national_id: text(20) = Field("", description="11 digits (NO) or 10 digits (DK); spaces and a hyphen allowed.")
    birth_date: date | None = None
    birth_year: int | None = None
    sex: choice(Person.Sex) = ""
    preferred_language: text(8) = ""
    interpreter_needed: bool = False

    def to_data(self) -> PersonData:
        return PersonData(**self.model_dump())


class PersonSearchIn(PageIn):
    q: text(SEARCH_MAX_LENGTH) = Field(
        "", description="Search: a national id, or the start of given and family names (at least 2 characters)."
    )


class PersonOut(Schema):
    id: int
    display_name: str
    given_name: str
    family_name: str
    national_id: str
    id_kind: str
    birth_date: date | None
    birth_year: int | None
    age: int | None
    sex: str
    preferred_language: str
    interpreter_needed: bool


class PersonPage(PageOut):
    items: list[PersonOut]


class FamilyMemberOut(Schema):
    relation: str = Field(description="What the other person is to this person, e.g. Child or Parent.")
    kind: str
    description: str
    parental_responsibility: str
    lives_together: bool | None
    contact_arrangement: str
    person: PersonOut


@router.get(
    "/persons",
    response={200: PersonPage, **errors()},
    summary="List or search the persons you may see",
    description="Patients and clients of your caseload or unit and their families, sorted by name. "
    "With `q`, only the persons who match: a national id (fødselsnummer, D-number or CPR) finds that "
    "number; otherwise every word must match the start of the given or family name, in any case "
    "(`kari nor` finds Kari Nordmann). `q` needs at least 2 characters (422 otherwise). "
    "Each person on the page is recorded in the audit trail.",
)
def list_persons(request, page: Query[PersonSearchIn]):
    actor = request.actor
    persons = search_persons(actor, page.q) if page.q.strip() else visible_persons(actor)
    count, persons = page_of(persons, page)
    record_many(actor, Action.VIEW, persons)
    return PersonPage(count=count, limit=page.limit, offset=page.offset, items=persons)


@router.get(
    "/persons/{person_id}",
    response={200: PersonOut, **errors(404)},
    summary="One person",
    description="Not found (404) when the person is outside what you may see.",
)
def read_person(request, person_id: PathId):
    return get_person(request.actor, person_id)


@router.get(
    "/persons/{person_id}/family",
    response={200: list[FamilyMemberOut], **errors(404)},
    summary="A person's family",
    description="Children, parents, partners, siblings and other close persons you may see.",
)
def read_family(request, person_id: PathId):
    actor = request.actor
    person = get_person(actor, person_id)
    # A child's other parent may be a patient elsewhere: only relatives the access rule lets you see.
    rows = family_of(person, visible=visible_family(actor, person))
    record_many(actor, Action.VIEW, [other for _l, _r, other in rows])
    return [
        FamilyMemberOut(
            relation=str(label),
            kind=rel.kind,
            description=rel.description,
            parental_responsibility=rel.parental_responsibility,
            lives_together=rel.lives_together,
            contact_arrangement=rel.contact_arrangement,
            person=other,
        )
        for label, rel, other in rows
    ]


class RelativeIn(Schema):
    """Someone close to the person. `kind` is what the new person is to the person: parent_of makes them a parent."""

    kind: choice(Relationship.Kind)
    person: PersonIn
    description: text(100) = ""
    lives_together: bool | None = None
    parental_responsibility: choice(Relationship.ParentalResponsibility) = ""
    contact_arrangement: text(200) = ""


@router.post(
    "/persons/{person_id}/relatives",
    response={201: PersonOut, **errors(400, 404)},
    summary="Add a relative",
    description="Registers a partner, parent, sibling or other close person (friends and neighbours count) "
    "and relates them to the person.",
)
def add_relative_endpoint(request, person_id: PathId, payload: RelativeIn):
    actor = request.actor
    person = get_person(actor, person_id)
    relationship = add_relative(
        actor,
        person,
        payload.person.to_data(),
        payload.kind,
        description=payload.description,
        lives_together=payload.lives_together,
        parental_responsibility=payload.parental_responsibility,
        contact_arrangement=payload.contact_arrangement,
    )
    relative = relationship.person if relationship.other_id == person.pk else relationship.other
    return Status(201, relative)
