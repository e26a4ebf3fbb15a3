"""Access through FHIR: the one access rule and the audit trail, as everywhere else. An outsider's token gets 404 for
every read and an empty searchset for every search; every read and every search result writes an audit row."""

from __future__ import annotations

import pytest

from kindred.audit.models import AccessLog
from kindred.care.tests.factories import second_clinician
from kindred.fhir.tests.conftest import BASE, FhirClient, token_for
from kindred.fhir.tests.test_fhir_read_search import TYPES, resources_of, searchset, valid

PERSONAL = [t for t in TYPES if t != "Questionnaire"]


def search_params(family, resource_type: str) -> list[dict]:
    """Each search worth trying: everything, and by the person it is about (a concern report is about the child)."""
    about = family.children[0] if resource_type == "Communication" else family.patient
    patient = {"patient": f"Patient/{about.pk}"}
    if resource_type == "RelatedPerson":
        return [patient]
    if resource_type == "Patient":
        return [{}, {"identifier": family.patient.national_id}, {"name": "Pia"}]
    return [{}, patient]


def test_without_a_token_everything_but_metadata_is_401(family, client):
    for path in ["Patient", f"Patient/{family.patient.pk}", "Questionnaire", "AuditEvent"]:
        response = client.get(BASE + path)
        assert response.status_code == 401, path
        assert response["WWW-Authenticate"] == "Bearer"
        assert valid(response.json())["issue"][0]["code"] == "login"
    wrong = client.get(BASE + "Patient", HTTP_AUTHORIZATION="Bearer kdr_not-a-token")
    assert wrong.status_code == 401
    assert client.get(BASE + "metadata").status_code == 200


def test_a_session_is_not_enough(family, world):
    """The FHIR API takes tokens only (it is exempt from CSRF because of that)."""
    response = world.client_for(world.clinician).get(BASE + f"Patient/{family.patient.pk}")
    assert response.status_code == 401


def test_a_revoked_token_is_refused(family, world):
    from kindred.orgs.models import APIToken
    from kindred.orgs.services import revoke_api_token

    fhir = FhirClient(token_for(world, world.clinician))
    assert fhir.get(f"Patient/{family.patient.pk}").status_code == 200
    revoke_api_token(world.actor(world.clinician), APIToken.objects.get(user=world.clinician))
    assert fhir.get(f"Patient/{family.patient.pk}").status_code == 401


def test_an_outsider_gets_404_for_every_read_and_writes_no_audit_row(family, world, fhir_for):
    outsider = fhir_for(world.outsider)
    before = AccessLog.objects.count()

    for resource_type, ids in family.reads().items():
        for resource_id in ids:
            response = outsider.get(f"{resource_type}/{resource_id}")
            assert response.status_code == 404, (resource_type, resource_id)
            data = valid(response.json())
            assert data["issue"][0]["code"] == "not-found"
    audit_row = AccessLog.objects.filter(subject=family.patient).first()
    assert outsider.get(f"AuditEvent/{audit_row.pk}").status_code == 404
    assert AccessLog.objects.count() == before


@pytest.mark.parametrize("resource_type", PERSONAL)
def test_an_outsider_gets_an_empty_searchset_for_every_search(family, world, fhir_for, resource_type):
    outsider = fhir_for(world.outsider)
    insider = fhir_for(world.coordinator)

    for params in search_params(family, resource_type):
        assert searchset(insider.get(resource_type, params))["total"] > 0, (resource_type, params)
        bundle = searchset(outsider.get(resource_type, params))
        assert bundle["total"] == 0, (resource_type, params)
        assert "entry" not in bundle


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_roles_without_personal_data_find_nothing(family, world, fhir_for, role):
    fhir = fhir_for(getattr(world, role))

    for resource_type in PERSONAL:
        for params in search_params(family, resource_type):
            assert searchset(fhir.get(resource_type, params))["total"] == 0, (resource_type, params)
    assert fhir.get(f"Patient/{family.patient.pk}").status_code == 404
    # Definitions are not personal data: every role reads them.
    assert searchset(fhir.get("Questionnaire"))["total"] > 0


def test_every_read_writes_an_audit_row(family, world, fhir_for):
    coordinator = fhir_for(world.coordinator)
    subjects = {
        "Patient": [family.patient, family.children[0], family.partner],
        "RelatedPerson": [family.children[0], family.patient],
        "Consent": [family.patient],
        "QuestionnaireResponse": [family.patient],
        "Observation": [family.patient, family.patient],
        "ServiceRequest": [family.patient],
        "CarePlan": [family.patient],
        "Communication": [family.children[0]],
    }
    for resource_type, ids in family.reads().items():
        for resource_id, subject in zip(ids, subjects[resource_type], strict=True):
            before = AccessLog.objects.count()
            assert coordinator.get(f"{resource_type}/{resource_id}").status_code == 200
            row = AccessLog.objects.order_by("-id").first()
            assert AccessLog.objects.count() == before + 1, (resource_type, resource_id)
            assert (row.user, row.action, row.via, row.subject) == (world.coordinator, "view", "fhir", subject)
            assert row.organisation == world.unit
            assert row.details == {"fhir": f"{resource_type}/{resource_id}"}


@pytest.mark.parametrize("resource_type", PERSONAL)
def test_every_search_result_writes_an_audit_row(family, world, fhir_for, resource_type):
    coordinator = fhir_for(world.coordinator)
    params = search_params(family, resource_type)[-1]
    before = AccessLog.objects.order_by("-id").values_list("id", flat=True).first()

    bundle = searchset(coordinator.get(resource_type, {**params, "_count": 2}))

    rows = AccessLog.objects.filter(id__gt=before)
    assert rows.count() == len(bundle["entry"]) > 0
    assert {(r.user, r.action, r.via) for r in rows} == {(world.coordinator, "view", "fhir")}
    assert all(r.subject_id is not None for r in rows)


def test_questionnaires_are_not_personal_data(family, world, fhir_for):
    fhir = fhir_for(world.clinician)
    before = AccessLog.objects.count()
    bundle = searchset(fhir.get("Questionnaire"))
    assert bundle["total"] > 0
    assert AccessLog.objects.count() == before


def test_a_clinician_sees_her_caseload_and_not_a_colleagues(family, world, fhir_for):
    colleague = second_clinician(world.unit)
    theirs = fhir_for(colleague)
    mine = fhir_for(world.clinician)

    assert mine.get(f"Patient/{family.patient.pk}").status_code == 200
    assert theirs.get(f"Patient/{family.patient.pk}").status_code == 404
    assert searchset(theirs.get("AuditEvent", {"patient": family.patient.pk}))["total"] == 0
    assert searchset(mine.get("AuditEvent", {"patient": family.patient.pk}))["total"] > 0


def test_concern_reports_only_for_roles_that_send_them(family, world, fhir_for):
    """The group leader sees personal data but not concern reports (as on the web)."""
    leader = fhir_for(world.group_leader)
    assert leader.get(f"Communication/{family.report.pk}").status_code == 404
    assert searchset(leader.get("Communication"))["total"] == 0
    assert fhir_for(world.clinician).get(f"Communication/{family.report.pk}").status_code == 200


def test_the_access_log_shows_who_read_a_person_over_fhir(family, world, fhir_for):
    coordinator = fhir_for(world.coordinator)
    coordinator.get(f"Patient/{family.children[1].pk}")

    events = resources_of(searchset(fhir_for(world.clinician).get("AuditEvent", {"patient": family.children[1].pk})))

    latest = events[0]
    assert latest["agent"][0]["who"]["display"] == world.coordinator.email
    assert latest["entity"][0]["what"]["reference"] == f"Patient/{family.children[1].pk}"
    assert latest["action"] == "R"


def test_the_receiver_of_a_referral_sees_it_while_the_consent_lasts(family, world):
    from kindred.consent.services import revoke_consent
    from kindred.referrals.tests.factories import nurse

    school = family.referral.to_organisation
    fhir = FhirClient(token_for(world, nurse(school), school))
    assert fhir.get(f"ServiceRequest/{family.referral.pk}").status_code == 200
    assert fhir.get(f"Patient/{family.patient.pk}").status_code == 404  # shared on the referral, not held

    revoke_consent(world.actor(world.clinician), family.consent)
    assert fhir.get(f"ServiceRequest/{family.referral.pk}").status_code == 404
    assert searchset(fhir.get("ServiceRequest"))["total"] == 0


def test_the_api_rate_limit_applies(family, world, fhir_for, settings):
    settings.API_RATE = "2/m"
    fhir = fhir_for(world.clinician)
    assert fhir.get(f"Patient/{family.patient.pk}").status_code == 200
    assert fhir.get(f"Patient/{family.patient.pk}").status_code == 200

    response = fhir.get(f"Patient/{family.patient.pk}")

    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert valid(response.json())["issue"][0]["code"] == "throttled"
