"""Networks in the API: my networks, one network with its members, contacts and shares, and the share and
unshare actions. The same services as the web (kindred.networks.services)."""

from __future__ import annotations

from datetime import date
from typing import Any

from ninja import Field, Path, Router, Schema, Status

from kindred.api_schemas import MAX_ID, DbId, errors
from kindred.library.api import ItemOut
from kindred.networks import services
from kindred.networks.models import Network

router = Router(tags=["networks"])

NetworkId: Any = Path[int, {"ge": 1, "le": MAX_ID, "description": "The network's id."}]
TemplateId: Any = Path[int, {"ge": 1, "le": MAX_ID, "description": "The programme template's id."}]
ItemId: Any = Path[int, {"ge": 1, "le": MAX_ID, "description": "The library item's id."}]


class ContactOut(Schema):
    name: str = Field(description="The contact person's name.")
    title: str = Field(description="Their title or role; may be empty.")
    email: str = Field(description="E-mail address; may be empty.")
    phone: str = Field(description="Phone number; may be empty.")


class MemberOut(Schema):
    organisation_id: int = Field(description="The member organisation.")
    organisation: str = Field(description="Its name.")
    country: str = Field(description="`NO` or `DK`.")
    joined_on: date = Field(description="When it joined the network.")
    contact_email: str = Field(description="The organisation's contact e-mail for the network; may be empty.")
    contact_phone: str = Field(description="Its contact phone; may be empty.")
    address: str = Field(description="Its address; may be empty.")
    contacts: list[ContactOut] = Field(description="Its contact persons.")


class SharedTemplateOut(Schema):
    id: int = Field(description="The programme template's id.")
    name: str = Field(description="Its name.")
    kind: str = Field(description="The kind of programme.")
    description: str = Field(description="Its description.")
    sessions: list[str] = Field(description="The session titles, in order.")
    shared_by: int = Field(description="The organisation that shares it.")


class SharedItemOut(Schema):
    item: ItemOut = Field(description="The library item.")
    shared_by: int = Field(description="The organisation that shares it.")


class NetworkOut(Schema):
    id: int = Field(description="The network's id.")
    name: str = Field(description="Its name.")
    kind: str = Field(description="`professional_network`, `resource_group` or `child_responsible_forum`.")
    kind_label: str = Field(description="The kind in the language of the request.")
    description: str = Field(description="What the network is for.")
    regions: str = Field(description="The regions or countries it spans, as written.")


class NetworkDetailOut(NetworkOut):
    members: list[MemberOut] = Field(description="The member organisations and their contact details.")
    shared_templates: list[SharedTemplateOut] = Field(description="Programme templates shared with the network.")
    shared_items: list[SharedItemOut] = Field(description="Library items shared with the network.")


class ShareTemplateIn(Schema):
    template_id: DbId = Field(description="One of your organisation's own active programme templates.")


class ShareItemIn(Schema):
    item_id: DbId = Field(description="One of your organisation's own library items.")


def _network(network: Network) -> NetworkOut:
    return NetworkOut(
        id=network.pk,
        name=network.name,
        kind=network.kind,
        kind_label=str(network.get_kind_display()),
        description=network.description,
        regions=network.regions,
    )


def _detail(network: Network) -> NetworkDetailOut:
    return NetworkDetailOut(
        **_network(network).model_dump(),
        members=[
            MemberOut(
                organisation_id=m.organisation_id,
                organisation=m.organisation.name,
                country=m.organisation.country,
                joined_on=m.joined_on,
                contact_email=m.contact_email,
                contact_phone=m.contact_phone,
                address=m.address,
                contacts=[
                    ContactOut(name=c.name, title=c.title, email=c.email, phone=c.phone) for c in m.contacts.all()
                ],
            )
            for m in network.memberships.all()
        ],
        shared_templates=[
            SharedTemplateOut(
                id=s.template.pk,
                name=s.template.name,
                kind=s.template.kind,
                description=s.template.description,
                sessions=[str(session.get("title", "")) for session in s.template.sessions],
                shared_by=s.shared_by_id,
            )
            for s in network.shared_templates.all()
        ],
        shared_items=[
            SharedItemOut(item=ItemOut.of(s.item), shared_by=s.shared_by_id) for s in network.shared_items.all()
        ],
    )


@router.get(
    "/networks",
    response={200: list[NetworkOut], **errors()},
    summary="Your organisation's networks",
    description="The networks your active organisation is a member of.",
)
def list_networks(request):
    return [_network(n) for n in services.networks_for(request.actor)]


@router.get(
    "/networks/{network_id}",
    response={200: NetworkDetailOut, **errors(404)},
    summary="One network",
    description="Members with their contact details, and the shared programmes and information material. Not "
    "found (404) unless your organisation is a member.",
)
def read_network(request, network_id: NetworkId):
    return _detail(services.get_network(request.actor, network_id))


@router.post(
    "/networks/{network_id}/templates",
    response={201: NetworkDetailOut, **errors(400, 404)},
    summary="Share a programme template with the network",
    description="For roles that edit programme templates (403 otherwise). Refused (422) for a template that is "
    "not your organisation's own, or already shared.",
)
def share_template(request, network_id: NetworkId, payload: ShareTemplateIn):
    actor = request.actor
    network = services.get_network(actor, network_id)
    services.share_template(actor, network, payload.template_id)
    return Status(201, _detail(services.get_network(actor, network_id)))


@router.delete(
    "/networks/{network_id}/templates/{template_id}",
    response={204: None, **errors(404)},
    summary="Stop sharing a programme template",
    description="Only the organisation that shared it can take it back; not found (404) otherwise.",
)
def unshare_template(request, network_id: NetworkId, template_id: TemplateId):
    actor = request.actor
    services.unshare_template(actor, services.get_network(actor, network_id), template_id)
    return Status(204, None)


@router.post(
    "/networks/{network_id}/items",
    response={201: NetworkDetailOut, **errors(400, 404)},
    summary="Share a library item with the network",
    description="For organisation admins (403 otherwise). Refused (422) for an item that is not your "
    "organisation's own, or already shared.",
)
def share_item(request, network_id: NetworkId, payload: ShareItemIn):
    actor = request.actor
    network = services.get_network(actor, network_id)
    services.share_item(actor, network, payload.item_id)
    return Status(201, _detail(services.get_network(actor, network_id)))


@router.delete(
    "/networks/{network_id}/items/{item_id}",
    response={204: None, **errors(404)},
    summary="Stop sharing a library item",
    description="Only the organisation that shared it can take it back; not found (404) otherwise.",
)
def unshare_item(request, network_id: NetworkId, item_id: ItemId):
    actor = request.actor
    services.unshare_item(actor, services.get_network(actor, network_id), item_id)
    return Status(204, None)
