from __future__ import annotations

from django.shortcuts import redirect
from django.urls import reverse

from kindred.orgs.actors import Actor
from kindred.orgs.models import Membership
from kindred.orgs.services import active_membership

# Paths a user who must still set up two-factor login may reach.
_TWO_FACTOR_EXEMPT = ("/account/two-factor/", "/logout/", "/i18n/", "/static/", "/healthz")


class ActiveMembershipMiddleware:
    """Attach the active membership and the Actor to each request; enforce required two-factor login."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        request.membership = None
        request.user_memberships = []
        if user.is_authenticated:
            request.user_memberships = list(Membership.objects.for_user(user))
            request.membership = active_membership(request.user_memberships, request.session)
        request.actor = Actor(
            user if user.is_authenticated else None, request.membership, getattr(request, "request_id", "")
        )
        if (
            request.membership is not None
            and request.membership.requires_two_factor
            and not user.is_verified()
            and not request.path.startswith(_TWO_FACTOR_EXEMPT)
        ):
            if request.path.startswith("/api/"):
                from django.http import JsonResponse
                from django.utils.translation import gettext as _

                return JsonResponse({"detail": _("Two-factor login is required for this role.")}, status=403)
            return redirect(reverse("accounts:two_factor_setup"))
        return self.get_response(request)
