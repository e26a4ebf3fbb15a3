"""The information library under /info/: open browsing of public items with filters (no account, no JavaScript
needed), and the organisation's own items for members whose role manages the organisation.

Signed-in staff browse what their organisation may hand out: public and national items, their own, and those
shared with their networks."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kindred.forms import apply_errors
from kindred.library import services
from kindred.library.forms import BrowseForm, ItemForm
from kindred.library.models import Item
from kindred.orgs.decorators import requires
from kindred.orgs.models import Capability
from kindred.paging import OneQueryPaginator

FILTER_KEYS = ("audience", "age", "language", "topic")
PAGE_SIZE = 30


def _browsable(request):
    actor = getattr(request, "actor", None)
    if request.user.is_authenticated and actor is not None and actor.membership is not None:
        return services.items_for(actor)
    return services.public_items()


def browse(request):
    filtered = any(request.GET.get(key) for key in FILTER_KEYS)
    form = BrowseForm(request.GET if filtered else None)
    items = _browsable(request)
    status = 200
    if filtered:
        if form.is_valid():
            items = services.search(items, **form.filters())
        else:
            items, status = Item.objects.none(), 200
    else:
        items = services.search(items)
    page = OneQueryPaginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "filtered": filtered, "querystring": query.urlencode()}
    return render(request, "library/browse.html", context, status=status)


def item_detail(request, pk: int):
    try:
        item = _browsable(request).with_tags().get(pk=int(pk))
    except (Item.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return render(request, "library/item.html", {"item": item})


# --- Staff: the organisation's own items --------------------------------------------------------------


@requires(Capability.MANAGE_ORGANISATION)
def manage(request):
    items = services.own_items(request.actor)
    return render(request, "library/manage.html", {"items": items})


def _save(request, item: Item | None):
    initial = ItemForm.initial_for(item) if item else None
    form = ItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_item(request.actor, item, form.to_data())
        except ValidationError as error:
            apply_errors(form, error)
        except PermissionError:
            raise PermissionDenied from None
        else:
            messages.success(request, _("The item %(title)s is saved.") % {"title": saved.title})
            return redirect("library:manage")
    return render(request, "library/item_form.html", {"form": form, "item": item})


@requires(Capability.MANAGE_ORGANISATION)
def item_new(request):
    return _save(request, None)


@requires(Capability.MANAGE_ORGANISATION)
def item_edit(request, pk: int):
    return _save(request, services.get_own_item(request.actor, pk))
