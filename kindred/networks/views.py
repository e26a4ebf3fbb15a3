"""The network pages under /networks/: my networks, a network's page (members and their contacts, shared
programme templates and information material), and the share and unshare actions.

Any member of a member organisation sees the network; others get 404, so ids leak nothing."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kindred.networks import services
from kindred.networks.forms import ShareItemForm, ShareTemplateForm


def member_required(view):
    """A signed-in user acting in an organisation; networks are about organisations, not roles."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.actor.organisation is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@member_required
def network_list(request):
    networks = services.networks_for(request.actor).prefetch_related("memberships__organisation")
    return render(request, "networks/list.html", {"networks": networks})


def _page(request, network, *, template_form=None, item_form=None, status: int = 200):
    actor = request.actor
    templates = list(services.shareable_templates(actor, network))
    items = list(services.shareable_items(actor, network))
    context = {
        "network": network,
        "memberships": network.memberships.all(),
        "shared_templates": network.shared_templates.all(),
        "shared_items": network.shared_items.all(),
        "own_organisation": actor.organisation,
        "can_share_templates": services.can_share_templates(actor),
        "can_share_items": services.can_share_items(actor),
        "template_form": template_form or ShareTemplateForm(templates=templates),
        "item_form": item_form or ShareItemForm(items=items),
        "has_templates": bool(templates),
        "has_items": bool(items),
    }
    return render(request, "networks/detail.html", context, status=status)


@member_required
def network_detail(request, pk: int):
    return _page(request, services.get_network(request.actor, pk))


def _done(request, network, call, success: str):
    """Run a share or unshare use case; its refusal is shown as a message on the network's page."""
    try:
        call()
    except PermissionError:
        raise PermissionDenied from None
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, success)
    return redirect("networks:detail", pk=network.pk)


@require_POST
@member_required
def share_template(request, pk: int):
    actor = request.actor
    network = services.get_network(actor, pk)
    if not services.can_share_templates(actor):
        raise PermissionDenied
    form = ShareTemplateForm(request.POST, templates=services.shareable_templates(actor, network))
    if not form.is_valid():
        return _page(request, network, template_form=form, status=422)
    template_id = form.cleaned_data["template"]
    return _done(
        request,
        network,
        lambda: services.share_template(actor, network, template_id),
        _("The programme is shared with the network."),
    )


@require_POST
@member_required
def unshare_template(request, pk: int):
    actor = request.actor
    network = services.get_network(actor, pk)
    template_id = request.POST.get("template")
    return _done(
        request,
        network,
        lambda: services.unshare_template(actor, network, template_id),
        _("The programme is no longer shared."),
    )


@require_POST
@member_required
def share_item(request, pk: int):
    actor = request.actor
    network = services.get_network(actor, pk)
    if not services.can_share_items(actor):
        raise PermissionDenied
    form = ShareItemForm(request.POST, items=services.shareable_items(actor, network))
    if not form.is_valid():
        return _page(request, network, item_form=form, status=422)
    item_id = form.cleaned_data["item"]
    return _done(
        request,
        network,
        lambda: services.share_item(actor, network, item_id),
        _("The item is shared with the network."),
    )


@require_POST
@member_required
def unshare_item(request, pk: int):
    actor = request.actor
    network = services.get_network(actor, pk)
    item_id = request.POST.get("item")
    return _done(
        request, network, lambda: services.unshare_item(actor, network, item_id), _("The item is no longer shared.")
    )


@require_POST
@member_required
def copy_template(request, pk: int):
    actor = request.actor
    network = services.get_network(actor, pk)
    try:
        copy = services.copy_shared_template(actor, network, request.POST.get("template"))
    except PermissionError:
        raise PermissionDenied from None
    messages.success(request, _("This is your organisation's own copy. Change it as you need."))
    return redirect("programs:template_edit", pk=copy.pk)
