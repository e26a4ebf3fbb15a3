from __future__ import annotations

from ninja import Router, Schema

from kindred.api_schemas import ErrorOut

router = Router(tags=["accounts"])


class MembershipOut(Schema):
    id: int
    organisation_id: int
    organisation: str
    role: str
    role_label: str


class MeOut(Schema):
    id: int
    email: str
    full_name: str
    language: str
    active_membership: MembershipOut | None
    capabilities: list[str]
    memberships: list[MembershipOut]


def _membership_out(m) -> MembershipOut:
    return MembershipOut(
        id=m.pk,
        organisation_id=m.organisation_id,
        organisation=m.organisation.name,
        role=m.role,
        role_label=str(m.get_role_display()),
    )


@router.get("/me", response={200: MeOut, 401: ErrorOut}, summary="Who am I, in which organisation and role")
def me(request):
    actor = request.actor
    user = actor.user
    memberships = user.memberships.select_related("organisation")
    if actor.via == "api" and request.auth is not None and getattr(request, "membership", None) is not None:
        # A token is scoped to one membership: it shows that one only.
        memberships = [actor.membership]
    return MeOut(
        id=user.pk,
        email=user.email,
        full_name=user.full_name,
        language=user.language,
        active_membership=_membership_out(actor.membership) if actor.membership else None,
        capabilities=sorted(actor.membership.capabilities) if actor.membership else [],
        memberships=[_membership_out(m) for m in memberships],
    )
