"""Round trip: a family exported as FHIR (Patient and RelatedPersons) from one organisation, imported into another
that holds nobody yet, and read back there, is the same family."""

from __future__ import annotations

from kindred.fhir.tests.conftest import transaction_of
from kindred.fhir.tests.test_fhir_read_search import resources_of, searchset
from kindred.people.models import Person


def comparable(resource: dict) -> dict:
    """A resource without what is local to one server: its id and the id in its patient reference."""
    kept = {k: v for k, v in resource.items() if k not in ("id", "patient")}
    if "patient" in resource:
        kept["patient_identifier"] = resource["patient"].get("identifier")
    return kept


def by_name(resources: list[dict]) -> dict[str, dict]:
    return {" ".join(r["name"][0]["given"]): comparable(r) for r in resources}


def export_family(fhir, patient_id) -> tuple[dict, list[dict]]:
    patient = fhir.get(f"Patient/{patient_id}").json()
    related = resources_of(searchset(fhir.get("RelatedPerson", {"patient": patient_id})))
    return patient, related


def test_a_family_exported_and_imported_elsewhere_is_the_same_family(family, world, fhir_for):
    source = fhir_for(world.coordinator)
    patient, related = export_family(source, family.patient.pk)
    assert {r["name"][0]["given"][0] for r in related} == {"Kim", "Liv", "Dag"}
    held_elsewhere = Person.objects.filter(registered_by=world.other)
    assert not held_elsewhere.exists()

    # The other organisation holds nobody: the same national ids become new persons there.
    target = fhir_for(world.outsider)
    response = target.post("", transaction_of(patient, related))

    assert response.status_code == 200, response.content
    statuses = [e["response"]["status"] for e in response.json()["entry"]]
    assert statuses == ["201 Created"] * 4
    assert held_elsewhere.count() == 4
    assert not held_elsewhere.filter(pk__in=[family.patient.pk, family.partner.pk, *[c.pk for c in family.children]])
    new_patient = response.json()["entry"][0]["response"]["location"].split("/")[1]
    imported_patient, imported_related = export_family(target, new_patient)

    assert comparable(imported_patient) == comparable(patient)
    assert by_name(imported_related) == by_name(related)
    # And from the child's side too: the parent, with the parental responsibility, lives together.
    kim = held_elsewhere.get(given_name="Kim")
    from_kim = resources_of(searchset(target.get("RelatedPerson", {"patient": kim.pk})))
    original = resources_of(searchset(source.get("RelatedPerson", {"patient": family.children[0].pk})))
    assert by_name(from_kim) == by_name(original)


def test_an_anonymous_patient_without_identifier_round_trips(world, fhir_for):
    """Persons without a national id are lawful: exported and imported all the same."""
    from kindred.people.services import PersonData, register_person

    person = register_person(world.actor(world.clinician), PersonData(given_name="Uten", birth_year=1980))
    source = fhir_for(world.clinician)
    patient, related = export_family(source, person.pk)
    assert "identifier" not in patient and related == []

    target = fhir_for(world.outsider)
    response = target.post("", transaction_of(patient, []))

    assert response.status_code == 200, response.content
    location = response.json()["entry"][0]["response"]["location"]
    assert comparable(target.get(location).json()) == comparable(patient)
