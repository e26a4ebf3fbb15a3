import pytest
from django.contrib.admin.sites import site
from django.test import Client, RequestFactory
from django.urls import reverse

from kindred.audit.models import AccessLog, AppendOnlyError
from kindred.audit.services import Action, record
from kindred.testing import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_writes_exactly_one_login_row(world):
    client = Client()
    response = client.post(reverse("accounts:login"), {"email": "cora@example.no", "password": PASSWORD})
    assert response.status_code == 302
    rows = list(AccessLog.objects.all())
    assert [(r.action, r.user, r.organisation, r.role) for r in rows] == [
        (Action.LOGIN, world.clinician, world.unit, "clinician")
    ]
    assert rows[0].request_id


def test_failed_login_writes_exactly_one_failed_row_and_no_login(world):
    client = Client()
    response = client.post(reverse("accounts:login"), {"email": "cora@example.no", "password": "wrong"})
    assert response.status_code == 200
    assert "The e-mail address or password is wrong." in response.content.decode() or response.context["form"].errors
    rows = list(AccessLog.objects.all())
    assert [(r.action, r.user, r.details["attempted_email"]) for r in rows] == [
        (Action.FAILED_LOGIN, world.clinician, "cora@example.no")
    ]


def test_failed_login_for_unknown_address_records_the_attempt_without_user(world):
    Client().post(reverse("accounts:login"), {"email": "nobody@example.no", "password": "x"})
    row = AccessLog.objects.get()
    assert row.user is None and row.user_label == "nobody@example.no" and row.action == Action.FAILED_LOGIN


def test_profile_view_writes_one_view_row(world):
    client = world.client_for(world.clinician)
    before = AccessLog.objects.count()
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 200
    rows = list(AccessLog.objects.all()[: AccessLog.objects.count() - before])
    assert [(r.action, r.object_type, r.object_id, r.user) for r in rows] == [
        (Action.VIEW, "accounts.user", str(world.clinician.pk), world.clinician)
    ]


def test_log_rows_cannot_be_changed_or_deleted(world):
    row = record(world.actor(world.clinician), Action.VIEW, world.clinician)
    row.reason = "tampered"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.all().update(reason="x")
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.all().delete()
    assert AccessLog.objects.get().reason == ""


def test_admin_cannot_add_change_or_delete_log_rows(world):
    from kindred.accounts.models import User

    superuser = User.objects.create_superuser("root@example.no", PASSWORD, full_name="Root")
    request = RequestFactory().get("/")
    request.user = superuser
    model_admin = site._registry[AccessLog]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
