"""Networks: members see each other's contacts and what is shared; a member organisation shares its own
programme templates and library items and only it can take them back; every share is audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse

from kindred.audit.models import AccessLog
from kindred.library.tests.factories import item
from kindred.networks import services
from kindred.networks.models import SharedItem, SharedTemplate
from kindred.networks.tests.factories import network, template
from kindred.orgs.actors import Actor
from kindred.orgs.models import Organisation, Role
from kindred.programs.models import ProgrammeTemplate
from kindred.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world):
    """The unit and a third organisation in another region are members; world.other is not."""
    bergen = Organisation.objects.create(
        name="Bergen familieambulatorium", kind=Organisation.Kind.SPECIALIST_UNIT, municipality_number="4601"
    )
    bergen_admin = make_user("berit@example.no", "Berit Bergen", bergen, Role.ORG_ADMIN)
    net = network(world.unit, bergen)
    return {
        "network": net,
        "bergen": bergen,
        "bergen_admin": bergen_admin,
        "own_template": template(world.unit, "Solbergs foreldregruppe"),
        "bergen_template": template(bergen, "Bergens samtalegruppe"),
        "foreign_template": template(world.other, "Annen kommunes kurs"),
        "own_item": item("Vår brosjyre", public=False, organisation=world.unit),
        "foreign_item": item("Deres brosjyre", public=False, organisation=world.other),
    }


def test_members_see_each_others_contacts(world, setup):
    response = world.client_for(world.group_leader).get(reverse("networks:detail", args=[setup["network"].pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Bergen familieambulatorium" in content
    assert f"kontakt{setup['bergen'].pk}@example.no" in content
    assert f"post{setup['bergen'].pk}@example.no" in content


def test_my_networks_lists_only_the_organisations_networks(world, setup):
    network(world.other, name="Annet nettverk")
    response = world.client_for(world.clinician).get(reverse("networks:list"))
    assert [n.name for n in response.context["networks"]] == ["Nettverk for familiebehandlere"]
    response = world.client_for(world.outsider).get(reverse("networks:list"))
    assert [n.name for n in response.context["networks"]] == ["Annet nettverk"]


def test_a_network_of_others_is_not_found(world, setup):
    response = world.client_for(world.outsider).get(reverse("networks:detail", args=[setup["network"].pk]))
    assert response.status_code == 404
    with pytest.raises(Http404):
        services.get_network(world.actor(world.outsider), setup["network"].pk)


def test_sharing_a_template_shows_it_to_the_other_members_and_is_audited(world, setup):
    net = setup["network"]
    client = world.client_for(world.coordinator)  # manages programmes
    response = client.post(reverse("networks:share_template", args=[net.pk]), {"template": setup["own_template"].pk})
    assert response.status_code == 302
    share = SharedTemplate.objects.get()
    assert (share.template, share.shared_by) == (setup["own_template"], world.unit)
    assert AccessLog.objects.filter(
        object_type="networks.sharedtemplate", action="create", user=world.coordinator
    ).exists()
    bergen = Client()
    bergen.force_login(setup["bergen_admin"])
    page = bergen.get(reverse("networks:detail", args=[net.pk]))
    assert "Solbergs foreldregruppe" in page.content.decode()
    assert "Grensesetting" in page.content.decode()


@pytest.mark.parametrize("which", ["bergen_template", "foreign_template", "missing", "text"])
def test_only_own_templates_can_be_shared(world, setup, which):
    value = {"missing": 10**9, "text": "abc"}.get(which) or setup[which].pk
    response = world.client_for(world.admin).post(
        reverse("networks:share_template", args=[setup["network"].pk]), {"template": value}
    )
    assert response.status_code == 422
    assert response.context["template_form"].errors["template"]
    assert not SharedTemplate.objects.exists()


def test_sharing_twice_is_refused(world, setup):
    actor = world.actor(world.admin)
    services.share_template(actor, setup["network"], setup["own_template"].pk)
    with pytest.raises(ValidationError):
        services.share_template(actor, setup["network"], setup["own_template"].pk)
    assert SharedTemplate.objects.count() == 1


def test_roles_that_do_not_edit_templates_cannot_share(world, setup):
    for user in (world.clinician, world.child_responsible, world.group_leader, world.analyst):
        response = world.client_for(user).post(
            reverse("networks:share_template", args=[setup["network"].pk]), {"template": setup["own_template"].pk}
        )
        assert response.status_code == 403
    assert not SharedTemplate.objects.exists()


def test_only_the_sharing_organisation_takes_a_template_back(world, setup):
    net = setup["network"]
    services.share_template(world.actor(world.admin), net, setup["own_template"].pk)
    bergen = Client()
    bergen.force_login(setup["bergen_admin"])
    response = bergen.post(reverse("networks:unshare_template", args=[net.pk]), {"template": setup["own_template"].pk})
    assert response.status_code == 404
    assert SharedTemplate.objects.exists()
    response = world.client_for(world.admin).post(
        reverse("networks:unshare_template", args=[net.pk]), {"template": setup["own_template"].pk}
    )
    assert response.status_code == 302
    assert not SharedTemplate.objects.exists()
    assert AccessLog.objects.filter(object_type="networks.sharedtemplate", action="delete").count() == 1


def test_a_member_copies_a_shared_template(world, setup):
    net = setup["network"]
    bergen_actor = Actor(setup["bergen_admin"], setup["bergen_admin"].memberships.get(), "t")
    services.share_template(bergen_actor, net, setup["bergen_template"].pk)
    response = world.client_for(world.admin).post(
        reverse("networks:copy_template", args=[net.pk]), {"template": setup["bergen_template"].pk}
    )
    copy = ProgrammeTemplate.objects.get(organisation=world.unit, based_on=setup["bergen_template"])
    assert response.status_code == 302 and response.url == reverse("programs:template_edit", args=[copy.pk])
    assert copy.sessions == setup["bergen_template"].sessions
    # A template not shared with the network cannot be copied through it.
    response = world.client_for(world.admin).post(
        reverse("networks:copy_template", args=[net.pk]), {"template": setup["foreign_template"].pk}
    )
    assert response.status_code == 404


def test_sharing_an_item_lets_members_hand_it_out(world, setup):
    net = setup["network"]
    response = world.client_for(world.admin).post(
        reverse("networks:share_item", args=[net.pk]), {"item": setup["own_item"].pk}
    )
    assert response.status_code == 302
    assert SharedItem.objects.get().item == setup["own_item"]
    bergen = Client()
    bergen.force_login(setup["bergen_admin"])
    assert bergen.get(reverse("library:item", args=[setup["own_item"].pk])).status_code == 200
    assert "Vår brosjyre" in bergen.get(reverse("networks:detail", args=[net.pk])).content.decode()
    # Not a member: the item stays hidden.
    assert world.client_for(world.outsider).get(reverse("library:item", args=[setup["own_item"].pk])).status_code == 404


def test_another_organisations_item_cannot_be_shared(world, setup):
    response = world.client_for(world.admin).post(
        reverse("networks:share_item", args=[setup["network"].pk]), {"item": setup["foreign_item"].pk}
    )
    assert response.status_code == 422
    assert not SharedItem.objects.exists()


def test_the_network_page_is_a_fixed_number_of_queries(world, setup, django_assert_max_num_queries):
    net = setup["network"]
    for n in range(5):
        services.share_template(world.actor(world.admin), net, template(world.unit, f"Mal {n}").pk)
        services.share_item(world.actor(world.admin), net, item(f"Brosjyre {n}", organisation=world.unit).pk)
    client = world.client_for(world.admin)
    with django_assert_max_num_queries(25):
        assert client.get(reverse("networks:detail", args=[net.pk])).status_code == 200
