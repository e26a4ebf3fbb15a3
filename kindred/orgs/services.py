"""Use cases for organisations, memberships and API tokens."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.accounts.models import User
from kindred.audit.services import Action, record
from kindred.orgs.actors import Actor
from kindred.orgs.models import APIToken, Capability, Membership, hash_token

SESSION_KEY = "kindred_active_membership"


def default_membership(user: User) -> Membership | None:
    return Membership.objects.for_user(user).first()


def active_membership(memberships: list[Membership], session) -> Membership | None:
    """Of the user's memberships, the one chosen for this session, else the first one."""
    chosen = session.get(SESSION_KEY)
    for membership in memberships:
        if membership.pk == chosen:
            return membership
    return memberships[0] if memberships else None


def switch_membership(user: User, session, membership_id: int) -> Membership:
    """Make one of the user's own memberships the active one; any other id is not found."""
    membership = Membership.objects.for_user(user).get(pk=membership_id)
    session[SESSION_KEY] = membership.pk
    return membership


def _require(actor: Actor, capability: str) -> None:
    if not actor.can(capability):
        raise PermissionError(capability)


def members_of_active_organisation(actor: Actor):
    """Members an organisation admin may manage: those of their own active organisation only."""
    _require(actor, Capability.MANAGE_MEMBERS)
    return (
        Membership.objects.filter(organisation=actor.organisation)
        .select_related("user")
        .order_by("user__full_name", "role")
    )


@transaction.atomic
def add_member(actor: Actor, *, email: str, full_name: str, role: str) -> tuple[Membership, bool]:
    """Give a user (created if new, without a password) a role in the admin's organisation."""
    _require(actor, Capability.MANAGE_MEMBERS)
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if created:
        user = User.objects.create_user(email=email, password=None, full_name=full_name.strip())
    if Membership.objects.filter(user=user, organisation=actor.organisation, role=role).exists():
        raise ValidationError(_("This person already has that role in the organisation."))
    membership = Membership.objects.create(user=user, organisation=actor.organisation, role=role)
    record(actor, Action.CREATE, membership, details={"role": role, "user": user.email})
    return membership, created


@transaction.atomic
def change_member_role(actor: Actor, membership: Membership, role: str) -> Membership:
    _require(actor, Capability.MANAGE_MEMBERS)
    if membership.organisation_id != actor.organisation.pk:
        raise Membership.DoesNotExist
    if (
        Membership.objects.filter(user=membership.user, organisation=membership.organisation, role=role)
        .exclude(pk=membership.pk)
        .exists()
    ):
        raise ValidationError(_("This person already has that role in the organisation."))
    _guard_last_admin(membership, new_role=role)
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    record(actor, Action.CHANGE, membership, details={"role": [old, role]})
    return membership


@transaction.atomic
def remove_member(actor: Actor, membership: Membership) -> None:
    _require(actor, Capability.MANAGE_MEMBERS)
    if membership.organisation_id != actor.organisation.pk:
        raise Membership.DoesNotExist
    _guard_last_admin(membership, new_role=None)
    record(actor, Action.DELETE, membership, details={"role": membership.role, "user": membership.user.email})
    membership.delete()


def _guard_last_admin(membership: Membership, new_role: str | None) -> None:
    from kindred.orgs.models import Role

    if membership.role != Role.ORG_ADMIN or new_role == Role.ORG_ADMIN:
        return
    others = Membership.objects.filter(organisation=membership.organisation, role=Role.ORG_ADMIN).exclude(
        pk=membership.pk
    )
    if not others.exists():
        raise ValidationError(_("An organisation must keep at least one organisation admin."))


@transaction.atomic
def issue_api_token(actor: Actor, *, name: str, days: int | None = None) -> tuple[APIToken, str]:
    """Create a token for the actor's active membership; the plain text is returned once only."""
    if actor.membership is None:
        raise ValidationError(_("Choose an organisation before creating an API token."))
    plain = APIToken.generate()
    expires = APIToken.default_expiry() if days is None else timezone.now() + timezone.timedelta(days=days)
    token = APIToken.objects.create(
        user=actor.user,
        membership=actor.membership,
        name=name.strip(),
        key_hash=hash_token(plain),
        key_prefix=plain[:8],
        expires_at=expires,
    )
    record(actor, Action.CREATE, token, details={"name": token.name})
    return token, plain


def tokens_of_active_organisation(actor: Actor):
    """The API tokens of every member of the actor's organisation: for its admins to see and revoke."""
    _require(actor, Capability.MANAGE_MEMBERS)
    return APIToken.objects.filter(membership__organisation=actor.organisation).select_related(
        "user", "membership__organisation"
    )


@transaction.atomic
def revoke_api_token(actor: Actor, token: APIToken) -> None:
    """The token's owner, or an admin of the token's organisation, revokes it; anyone else finds nothing."""
    own = token.user_id == actor.user.pk
    admin = actor.can(Capability.MANAGE_MEMBERS) and token.membership.organisation_id == actor.organisation.pk
    if not (own or admin):
        raise APIToken.DoesNotExist
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(actor, Action.CHANGE, token, details={"revoked": True})


def token_refusal(plain: str) -> str:
    """Why a token that `membership_for_token` did not accept is refused, in words for the API client."""
    token = APIToken.objects.filter(key_hash=hash_token(plain)).select_related("user").first()
    if token is None:
        return _("The API token is not known. Check that it was copied whole.")
    if token.revoked_at is not None:
        return _("The API token has been revoked. Create a new one on your account page.")
    if not token.user.is_active:
        return _("The account this API token belongs to is deactivated.")
    return _("The API token has expired. Create a new one on your account page.")


def membership_for_token(plain: str) -> APIToken | None:
    token = (
        APIToken.objects.valid()
        .select_related("user", "membership__organisation")
        .filter(key_hash=hash_token(plain))
        .first()
    )
    if token is not None:
        # A cheap write, at most once a minute per token.
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            APIToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


@transaction.atomic
def set_two_factor_requirement(actor: Actor, required: bool) -> None:
    """Whether the organisation requires two-factor login for roles that see personal data."""
    _require(actor, Capability.MANAGE_MEMBERS)
    organisation = actor.organisation
    organisation.require_two_factor = required
    organisation.save(update_fields=["require_two_factor"])
    record(actor, Action.CHANGE, organisation, details={"require_two_factor": required})
