"""Use cases for networks across organisations.

A network is seen only by staff of its member organisations (any role): they see each other's contact details,
the programme templates and the library items shared with the network. A member organisation shares its own
templates (roles that edit templates) and its own library items (organisation admins), and only it can take
them back. Networks hold no personal data of clients."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from kindred.audit.services import Action, record
from kindred.library.models import Item
from kindred.networks.models import ContactPerson, Network, NetworkMembership, SharedItem, SharedTemplate
from kindred.orgs.actors import Actor
from kindred.orgs.models import Capability
from kindred.programs.models import ProgrammeTemplate


def _require(actor: Actor, *capabilities: str) -> None:
    if not any(actor.can(c) for c in capabilities):
        raise PermissionError(capabilities[0])


def can_share_templates(actor: Actor) -> bool:
    return actor.can(Capability.MANAGE_ORGANISATION) or actor.can(Capability.MANAGE_PROGRAMMES)


def can_share_items(actor: Actor) -> bool:
    return actor.can(Capability.MANAGE_ORGANISATION)


def networks_for(actor: Actor) -> QuerySet[Network]:
    """The networks of the actor's active organisation; none without one."""
    if actor.organisation is None:
        return Network.objects.none()
    return Network.objects.of_organisation(actor.organisation)


def get_network(actor: Actor, pk) -> Network:
    """A network of the actor's organisation, with members, contacts and shares loaded; 404 otherwise."""
    memberships = NetworkMembership.objects.select_related("organisation").prefetch_related(
        Prefetch("contacts", queryset=ContactPerson.objects.order_by("name"))
    )
    try:
        return (
            networks_for(actor)
            .prefetch_related(
                Prefetch("memberships", queryset=memberships),
                Prefetch(
                    "shared_templates",
                    queryset=SharedTemplate.objects.select_related("template", "shared_by").filter(
                        template__active=True
                    ),
                ),
                Prefetch(
                    "shared_items",
                    queryset=SharedItem.objects.select_related("item", "shared_by").prefetch_related(
                        "item__audiences", "item__languages", "item__topics"
                    ),
                ),
            )
            .get(pk=int(pk))
        )
    except (Network.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def shareable_templates(actor: Actor, network: Network) -> QuerySet[ProgrammeTemplate]:
    """The organisation's own active templates not yet shared with the network."""
    if not can_share_templates(actor):
        return ProgrammeTemplate.objects.none()
    return (
        ProgrammeTemplate.objects.filter(organisation=actor.organisation, active=True)
        .exclude(network_shares__network=network)
        .order_by("name", "id")
    )


def shareable_items(actor: Actor, network: Network) -> QuerySet[Item]:
    """The organisation's own library items not yet shared with the network."""
    if not can_share_items(actor):
        return Item.objects.none()
    return Item.objects.filter(organisation=actor.organisation).exclude(network_shares__network=network)


@transaction.atomic
def share_template(actor: Actor, network: Network, template_id) -> SharedTemplate:
    _require(actor, Capability.MANAGE_ORGANISATION, Capability.MANAGE_PROGRAMMES)
    network = get_network(actor, network.pk)
    template = shareable_templates(actor, network).filter(pk=_int(template_id)).first()
    if template is None:
        raise ValidationError({"template": _("Choose one of your organisation's programmes that is not shared yet.")})
    try:
        with transaction.atomic():
            share = SharedTemplate.objects.create(
                network=network, template=template, shared_by=actor.organisation, shared_by_user=actor.user
            )
    except IntegrityError:  # shared by a colleague at the same moment
        raise ValidationError({"template": _("This programme is already shared with the network.")}) from None
    record(actor, Action.CREATE, share, details={"network": network.pk, "template": template.pk})
    return share


@transaction.atomic
def unshare_template(actor: Actor, network: Network, template_id) -> None:
    """Take back a template the actor's organisation shared; another member's share is not found."""
    _require(actor, Capability.MANAGE_ORGANISATION, Capability.MANAGE_PROGRAMMES)
    share = SharedTemplate.objects.filter(
        network=get_network(actor, network.pk), template_id=_int(template_id), shared_by=actor.organisation
    ).first()
    if share is None:
        raise Http404
    record(actor, Action.DELETE, share, details={"network": network.pk, "template": share.template_id})
    share.delete()


@transaction.atomic
def share_item(actor: Actor, network: Network, item_id) -> SharedItem:
    _require(actor, Capability.MANAGE_ORGANISATION)
    network = get_network(actor, network.pk)
    item = shareable_items(actor, network).filter(pk=_int(item_id)).first()
    if item is None:
        raise ValidationError({"item": _("Choose one of your organisation's items that is not shared yet.")})
    try:
        with transaction.atomic():
            share = SharedItem.objects.create(
                network=network, item=item, shared_by=actor.organisation, shared_by_user=actor.user
            )
    except IntegrityError:
        raise ValidationError({"item": _("This item is already shared with the network.")}) from None
    record(actor, Action.CREATE, share, details={"network": network.pk, "item": item.pk})
    return share


@transaction.atomic
def unshare_item(actor: Actor, network: Network, item_id) -> None:
    _require(actor, Capability.MANAGE_ORGANISATION)
    share = SharedItem.objects.filter(
        network=get_network(actor, network.pk), item_id=_int(item_id), shared_by=actor.organisation
    ).first()
    if share is None:
        raise Http404
    record(actor, Action.DELETE, share, details={"network": network.pk, "item": share.item_id})
    share.delete()


@transaction.atomic
def copy_shared_template(actor: Actor, network: Network, template_id) -> ProgrammeTemplate:
    """The actor's organisation's own, editable copy of a template shared with the network."""
    _require(actor, Capability.MANAGE_ORGANISATION, Capability.MANAGE_PROGRAMMES)
    share = (
        SharedTemplate.objects.filter(network=get_network(actor, network.pk), template_id=_int(template_id))
        .select_related("template")
        .first()
    )
    if share is None:
        raise Http404
    source = share.template
    copy = ProgrammeTemplate.objects.get(pk=source.pk)
    copy.pk = None
    copy.key = ""
    copy.organisation = actor.organisation
    copy.based_on = source
    copy.save()
    record(actor, Action.CREATE, copy, details={"copy_of": source.pk, "network": network.pk})
    return copy


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
