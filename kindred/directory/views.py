"""The help directory under /help/: public search, offer pages and the self-referral form (no account, no
JavaScript needed), and the receiving organisation's pages: its offers (organisation admins) and the inbox of
self-referrals (members whose role manages programmes).

The self-referral form stores nothing but what the person sends. Bots are turned away by a hidden field a
person never fills in (answered as if it had worked, so they learn nothing) and by a limit on requests per
client address. The reference of a stored request goes through the session to the receipt page, never
through the URL, and is shown once."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from kindred.directory import services
from kindred.directory.forms import (
    COUNTRY_OF_LANGUAGE,
    INTAKE_QUESTIONS,
    TALKED_TO_LABELS,
    AssignForm,
    ClientForm,
    CloseForm,
    EnrolForm,
    OfferForm,
    SearchForm,
    SelfReferralForm,
)
from kindred.directory.models import HelpOffer, SelfReferral, YouthIntake
from kindred.forms import apply_errors
from kindred.orgs.decorators import requires
from kindred.orgs.models import Capability
from kindred.paging import OneQueryPaginator
from kindred.programs import services as programs

RECEIPT_KEY = "directory_receipt"
SEARCH_KEYS = ("municipality", "audience", "age")


def _country() -> str:
    return COUNTRY_OF_LANGUAGE.get((translation.get_language() or "")[:2], "")


# --- Public pages ----------------------------------------------------------------------------------------


def search(request):
    country = _country()
    rows = list(services.municipalities().only("id", "country", "name", "region"))
    searched = any(key in request.GET for key in SEARCH_KEYS)
    form = SearchForm(request.GET if searched else None, municipalities=rows, country=country)
    local, nationwide, municipality = [], [], None
    if searched and form.is_valid():
        municipality = form.chosen_municipality()
        offers = services.search(
            municipality=municipality,
            audience=form.cleaned_data["audience"],
            age=form.cleaned_data["age"],
            country="" if municipality else country,
        )
        for offer in offers:
            (nationwide if offer.nationwide else local).append(offer)
    context = {
        "form": form,
        "searched": searched and form.is_valid(),
        "municipality": municipality,
        "local": local,
        "nationwide": nationwide,
        "count": len(local) + len(nationwide),
    }
    return render(request, "directory/search.html", context)


def offer_detail(request, pk: int):
    offer = services.get_public_offer(pk)
    context = {
        "offer": offer,
        "municipalities": [] if offer.nationwide else list(offer.municipalities.order_by("name")),
        "takes_requests": _takes_requests(offer),
    }
    return render(request, "directory/offer.html", context)


def _takes_requests(offer: HelpOffer) -> bool:
    return offer.accepts_self_referral and offer.organisation_id is not None


def self_referral_limited(request) -> bool:
    """One allowance per client address for the web form and the API together."""
    return is_ratelimited(
        request, group="self_referral", key="ip", rate=settings.SELF_REFERRAL_RATE, method="POST", increment=True
    )


@never_cache
def self_refer(request, pk: int):
    offer = services.get_public_offer(pk)
    if not _takes_requests(offer):
        raise Http404
    form = SelfReferralForm(request.POST if request.method == "POST" else None, offer=offer)
    status, limited = 200, False
    if request.method == "POST":
        if form.is_spam():
            # A bot filled in the hidden field: answer as if it worked, store nothing.
            request.session.pop(RECEIPT_KEY, None)
            return redirect("directory:receipt")
        if form.check():
            if self_referral_limited(request):
                status, limited = 429, True
            else:
                try:
                    referral = services.submit_self_referral(offer, form.to_data())
                except ValidationError as error:
                    apply_errors(form, error)
                else:
                    request.session[RECEIPT_KEY] = {"reference": referral.reference, "offer": offer.pk}
                    return redirect("directory:receipt")
    context = {"offer": offer, "form": form, "limited": limited, "error_list": _error_list(form)}
    return render(request, "directory/self_refer.html", context, status=status)


def _error_list(form) -> list[dict]:
    """Links from the summary at the top to each field with a problem."""
    items = []
    for name, errors in form.errors.items():
        if name in form.fields:
            field = form[name]
            choices = isinstance(field.field.widget, (forms.RadioSelect, forms.CheckboxSelectMultiple))
            target = f"{field.auto_id}_0" if choices else field.auto_id
            items.append({"target": target, "label": field.label, "message": errors[0]})
    return items


@never_cache
def receipt(request):
    # Shown once: on a shared device, the next person to open this page learns nothing.
    sent = request.session.pop(RECEIPT_KEY, None) or {}
    offer = None
    if sent.get("offer"):
        offer = HelpOffer.objects.public().filter(pk=sent["offer"]).first()
    return render(request, "directory/receipt.html", {"reference": sent.get("reference", ""), "offer": offer})


# --- Staff: the organisation's offers --------------------------------------------------------------------


@requires(Capability.MANAGE_ORGANISATION)
def offer_list(request):
    offers = services.offers_of(request.actor).annotate(served=Count("municipalities")).order_by("name", "id")
    return render(request, "directory/offers.html", {"offers": offers})


def _save_offer(request, offer: HelpOffer | None):
    actor = request.actor
    initial = OfferForm.initial_for(offer) if offer else None
    form = OfferForm(request.POST or None, initial=initial, country=actor.organisation.country)
    if request.method == "POST" and form.is_valid():
        data, municipality_ids = form.to_data()
        try:
            saved = services.save_offer(actor, offer, data, municipality_ids)
        except ValidationError as error:
            apply_errors(form, error)
        except PermissionError:
            raise PermissionDenied from None
        else:
            messages.success(request, _("The offer %(name)s is saved.") % {"name": saved.name})
            return redirect("directory:offers")
    return render(request, "directory/offer_form.html", {"form": form, "offer": offer})


@requires(Capability.MANAGE_ORGANISATION)
def offer_new(request):
    return _save_offer(request, None)


@requires(Capability.MANAGE_ORGANISATION)
def offer_edit(request, pk: int):
    return _save_offer(request, services.get_own_offer(request.actor, pk))


# --- Staff: the inbox --------------------------------------------------------------------------------------

STATUS_FILTERS = ("open", *SelfReferral.Status.values, "all")


def _status_label(status: str) -> str:
    if status == "open":
        return _("Open")
    if status == "all":
        return _("All")
    return str(SelfReferral.Status(status).label)


@requires(Capability.MANAGE_PROGRAMMES)
def inbox(request):
    status = request.GET.get("status", "open")
    if status not in STATUS_FILTERS:
        status = "open"
    page = OneQueryPaginator(services.inbox(request.actor, status=status), 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "filters": [(value, _status_label(value)) for value in STATUS_FILTERS],
        "querystring": f"status={status}",
    }
    return render(request, "directory/inbox.html", context)


def _intake_answers(referral: SelfReferral) -> list[tuple[str, str]] | None:
    try:
        intake = referral.youth_intake
    except YouthIntake.DoesNotExist:
        return None
    answers = []
    for name, question in INTAKE_QUESTIONS.items():
        if name == "talked_to":
            people = [str(label) for key, label in TALKED_TO_LABELS.items() if getattr(intake, f"talked_to_{key}")]
            answers.append((str(question), ", ".join(people) or _("Not answered")))
            continue
        value = getattr(intake, name)
        if value is None:
            shown = _("Not answered")
        elif value is True:
            shown = _("Yes")
        elif value is False:
            shown = _("No")
        else:
            shown = str(value)
        answers.append((str(question), shown))
    return answers


def _detail(request, referral: SelfReferral, *, status: int = 200, **forms):
    actor = request.actor
    runs = list(programs.runs_for(actor).filter(template__drop_in=False))
    context = {
        "referral": referral,
        "intake": _intake_answers(referral),
        "assign_form": forms.get("assign_form")
        or AssignForm(
            organisation=actor.organisation, initial={"assigned_to": referral.assigned_to_id or actor.user.pk}
        ),
        "close_form": forms.get("close_form") or CloseForm(),
        "enrol_form": forms.get("enrol_form") or EnrolForm(runs=runs),
        "has_runs": bool(runs),
        "client_form": forms.get("client_form") or ClientForm(initial={"given_name": referral.name}),
        "can_make_client": actor.can(Capability.EDIT_CASES),
        "episode": referral.converted_episode if referral.converted_episode_id else None,
        "enrolment_run": _enrolment_run(referral),
    }
    return render(request, "directory/inbox_detail.html", context, status=status)


def _enrolment_run(referral: SelfReferral):
    if not referral.converted_enrolment_id:
        return None
    return referral.converted_enrolment.run


@requires(Capability.MANAGE_PROGRAMMES)
def inbox_detail(request, pk: int):
    referral = services.get_self_referral(request.actor, pk)
    return _detail(request, referral)


def _act(request, pk: int, form_name: str, form, change, done: str):
    """Run one change on a self-referral; on a problem, show the page again with the message at the field."""
    referral = services.get_self_referral(request.actor, pk)
    if form is None or form.is_valid():
        try:
            change(referral)
        except ValidationError as error:
            if form is None:
                for message in error.messages:
                    messages.error(request, message)
                return redirect("directory:inbox_detail", pk=referral.pk)
            apply_errors(form, error)
        except PermissionError:
            raise PermissionDenied from None
        else:
            messages.success(request, done)
            return redirect("directory:inbox_detail", pk=referral.pk)
    referral.refresh_from_db()
    return _detail(request, referral, **{form_name: form})


@require_POST
@requires(Capability.MANAGE_PROGRAMMES)
def inbox_assign(request, pk: int):
    actor = request.actor
    form = AssignForm(request.POST, organisation=actor.organisation)
    return _act(
        request,
        pk,
        "assign_form",
        form,
        lambda referral: services.assign(actor, referral, form.cleaned_data["assigned_to"]),
        _("The self-referral is assigned."),
    )


@require_POST
@requires(Capability.MANAGE_PROGRAMMES)
def inbox_contacted(request, pk: int):
    actor = request.actor
    return _act(
        request,
        pk,
        "",
        None,
        lambda referral: services.mark_contacted(actor, referral),
        _("Marked as contact made."),
    )


@require_POST
@requires(Capability.MANAGE_PROGRAMMES)
def inbox_close(request, pk: int):
    actor = request.actor
    form = CloseForm(request.POST)
    return _act(
        request,
        pk,
        "close_form",
        form,
        lambda referral: services.close(
            actor, referral, reason=form.cleaned_data["close_reason"], note=form.cleaned_data["close_note"]
        ),
        _("The self-referral is closed."),
    )


@require_POST
@requires(Capability.MANAGE_PROGRAMMES)
def inbox_enrol(request, pk: int):
    actor = request.actor
    form = EnrolForm(request.POST, runs=list(programs.runs_for(actor).filter(template__drop_in=False)))
    return _act(
        request,
        pk,
        "enrol_form",
        form,
        lambda referral: services.convert_to_enrolment(actor, referral, form.chosen_run()),
        _("The person is signed up for the programme run."),
    )


@require_POST
@requires(Capability.MANAGE_PROGRAMMES)
def inbox_client(request, pk: int):
    actor = request.actor
    form = ClientForm(request.POST)
    return _act(
        request,
        pk,
        "client_form",
        form,
        lambda referral: services.convert_to_client(actor, referral, form.to_data()),
        _("The person is registered as a client."),
    )
