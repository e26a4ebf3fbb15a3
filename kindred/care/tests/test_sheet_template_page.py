import json

import pytest
from django.urls import reverse

from kindred.care.models import ChildSheetTemplate
from kindred.care.sheets import default_sections

pytestmark = pytest.mark.django_db


def test_admin_saves_a_new_version_for_own_organisation(world):
    client = world.client_for(world.admin)
    assert client.get(reverse("care:sheet_template")).status_code == 200
    sections = default_sections("nb")
    sections[0]["questions"].append({"key": "pets", "text": "Har barnet kjæledyr?"})
    response = client.post(
        reverse("care:sheet_template"), {"language": "nb", "title": "Barnearket", "sections": json.dumps(sections)}
    )
    assert response.status_code == 302
    template = ChildSheetTemplate.objects.get(organisation=world.unit)
    assert template.version == 1 and any(q["key"] == "pets" for _s, q in template.questions())


def test_broken_sections_are_refused_with_the_exact_problem(world):
    client = world.client_for(world.admin)
    broken = [{"title": "A", "questions": [{"key": "x", "text": "1"}, {"key": "x", "text": "2"}]}]
    response = client.post(
        reverse("care:sheet_template"), {"language": "nb", "title": "Ark", "sections": json.dumps(broken)}
    )
    assert response.status_code == 200
    assert "x" in str(response.context["form"].errors["sections"])
    not_json = client.post(reverse("care:sheet_template"), {"language": "nb", "title": "Ark", "sections": "{nope"})
    assert not_json.status_code == 200 and "sections" in not_json.context["form"].errors
    assert not ChildSheetTemplate.objects.filter(organisation=world.unit).exists()
