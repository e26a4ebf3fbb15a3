from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kindred.orgs import services
from kindred.orgs.decorators import requires
from kindred.orgs.forms import AddMemberForm, ChangeRoleForm
from kindred.orgs.models import Capability, Membership


@login_required
@require_POST
def switch(request):
    try:
        membership = services.switch_membership(request.user, request.session, int(request.POST.get("membership", "")))
    except (ValueError, Membership.DoesNotExist):
        raise Http404 from None
    messages.info(
        request,
        _("You are now acting as %(role)s in %(organisation)s.")
        % {"role": membership.get_role_display(), "organisation": membership.organisation.name},
    )
    return redirect("start")


def _member_or_404(request, pk: int) -> Membership:
    try:
        return services.members_of_active_organisation(request.actor).get(pk=pk)
    except Membership.DoesNotExist:
        raise Http404 from None


@requires(Capability.MANAGE_MEMBERS)
def members(request):
    form = AddMemberForm(request.POST or None)
    set_password_link = None
    if request.method == "POST" and form.is_valid():
        try:
            membership, created = services.add_member(request.actor, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(name)s is added.") % {"name": membership.user})
            if created:
                user = membership.user
                uid = urlsafe_base64_encode(force_bytes(user.pk))
                token = default_token_generator.make_token(user)
                path = reverse("accounts:password_set", kwargs={"uidb64": uid, "token": token})
                set_password_link = request.build_absolute_uri(path)
            form = AddMemberForm()
    context = {
        "members": services.members_of_active_organisation(request.actor),
        "form": form,
        "role_form": ChangeRoleForm(),
        "set_password_link": set_password_link,
    }
    return render(request, "orgs/members.html", context)


@requires(Capability.MANAGE_MEMBERS)
@require_POST
def change_role(request, pk: int):
    membership = _member_or_404(request, pk)
    form = ChangeRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid role."))
        return redirect("orgs:members")
    try:
        services.change_member_role(request.actor, membership, form.cleaned_data["role"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The role is changed."))
    return redirect("orgs:members")


@requires(Capability.MANAGE_MEMBERS)
@require_POST
def remove(request, pk: int):
    membership = _member_or_404(request, pk)
    try:
        services.remove_member(request.actor, membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The membership is removed."))
    return redirect("orgs:members")


@requires(Capability.MANAGE_MEMBERS)
@require_POST
def two_factor_policy(request):
    required = request.POST.get("require_two_factor") == "on"
    services.set_two_factor_requirement(request.actor, required)
    if required:
        messages.success(request, _("Two-factor login is now required for roles that see personal data."))
    else:
        messages.success(request, _("Two-factor login is no longer required."))
    return redirect("orgs:members")


@requires(Capability.MANAGE_MEMBERS)
def tokens(request):
    """The API tokens of the organisation's members, for its admins to revoke."""
    return render(request, "orgs/tokens.html", {"tokens": services.tokens_of_active_organisation(request.actor)})


@requires(Capability.MANAGE_MEMBERS)
@require_POST
def revoke_token(request, pk: int):
    token = get_object_or_404(services.tokens_of_active_organisation(request.actor), pk=pk)
    services.revoke_api_token(request.actor, token)
    messages.success(request, _("The API token is revoked."))
    return redirect("orgs:tokens")
