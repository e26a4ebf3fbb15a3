"""Cooperation pages: referrals, consultations, who does what for a child, notifications."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kindred.audit.services import Action, record, record_many
from kindred.care.services import children_of
from kindred.consent.models import Category
from kindred.forms import apply_errors
from kindred.orgs.decorators import requires
from kindred.orgs.models import Capability
from kindred.paging import OneQueryPaginator
from kindred.people.access import get_person, visible_persons
from kindred.people.models import Person
from kindred.referrals import services
from kindred.referrals.forms import (
    AgreementForm,
    ConsultationForm,
    ReferralActionForm,
    ReferralForm,
    ReferralStatusForm,
    ReplyForm,
)
from kindred.referrals.models import ChildAgreement, Consultation, Referral

PAGE_SIZE = 50
S = Referral.Status

# The button for each change of status a user can make on the referral page.
STATUS_ACTIONS = {
    S.SENT: gettext_lazy("Send"),
    S.ACCEPTED: gettext_lazy("Accept"),
    S.DECLINED: gettext_lazy("Decline"),
    S.COMPLETED: gettext_lazy("Mark as completed"),
    S.WITHDRAWN: gettext_lazy("Withdraw"),
}


def _sides(actor, referral: Referral) -> set[str]:
    org = actor.organisation.pk
    sides = set()
    if referral.from_organisation_id == org:
        sides |= {"from", "either"}
    if referral.to_organisation_id == org:
        sides |= {"to", "either"}
    return sides


def allowed_actions(actor, referral: Referral) -> list[tuple[str, str]]:
    """The status changes the actor's side may make now (RECEIVED happens by opening the referral)."""
    if not actor.can(Capability.EDIT_CASES):
        return []
    sides = _sides(actor, referral)
    return [
        (status.value, label)
        for status, label in STATUS_ACTIONS.items()
        if services.TRANSITIONS[status][0] in sides and referral.status in services.TRANSITIONS[status][1]
    ]


# --- Referrals ---------------------------------------------------------------------------------


@requires(Capability.VIEW_PERSONAL_DATA)
def referral_list(request):
    """The inbox (referrals waiting for or open at our organisation) and the referrals we sent."""
    actor = request.actor
    box = "out" if request.GET.get("box") == "out" else "in"
    rows = services.outbox(actor) if box == "out" else services.inbox(actor)
    page = OneQueryPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    record_many(actor, Action.VIEW, list(page.object_list))
    context = {"page": page, "box": box, "querystring": f"box={box}"}
    return render(request, "referrals/referral_list.html", context)


@requires(Capability.EDIT_CASES)
def referral_new(request, person_pk: int):
    actor = request.actor
    person = get_person(actor, person_pk)
    children = list(children_of(person))
    record_many(actor, Action.VIEW, children)
    form = ReferralForm(request.POST or None, organisation=actor.organisation, children=children)
    no_consent_to = None
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.create_referral(actor, person, form.to_data())
        except services.NoConsent as error:
            no_consent_to = form.cleaned_data["to_organisation"]
            apply_errors(form, error)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The referral is sent."))
            return redirect("cooperation:referral", pk=referral.pk)
    context = {"person": person, "form": form, "no_consent_to": no_consent_to}
    return render(request, "referrals/referral_form.html", context)


@requires(Capability.VIEW_PERSONAL_DATA)
def referral_detail(request, pk: int):
    actor = request.actor
    referral = services.get_referral(actor, pk)
    receiving = referral.to_organisation_id == actor.organisation.pk
    if receiving and referral.status == S.SENT and actor.can(Capability.EDIT_CASES):
        referral = services.change_status(actor, referral, S.RECEIVED)
    person_shown = services.shown_on_referral(actor, referral, referral.person)
    children = services.shown_on_referral_many(actor, referral, referral.children.all()) if person_shown else []
    record_many(actor, Action.VIEW, children)
    actions = allowed_actions(actor, referral)
    can_decline = any(status == S.DECLINED for status, _label in actions)
    labels = dict(Category.choices)
    context = {
        "referral": referral,
        "children": children,
        "categories": [labels[c] for c in referral.categories if c in labels],
        "events": referral.events.select_related("by", "organisation"),
        "actions": actions,
        "action_form": ReferralActionForm(can_decline=can_decline),
        "receiving": receiving,
        "person_shown": person_shown,
        "shared": receiving and referral.status in Referral.ACCESS_STATUSES,
    }
    return render(request, "referrals/referral_detail.html", context)


@requires(Capability.EDIT_CASES)
@require_POST
def referral_status(request, pk: int):
    actor = request.actor
    referral = services.get_referral(actor, pk)
    form = ReferralStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid change of status."))
    else:
        d = form.cleaned_data
        try:
            services.change_status(actor, referral, d["status"], note=d["note"], decline_reason=d["decline_reason"])
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The referral is now: %(status)s.") % {"status": referral.get_status_display()})
    return redirect("cooperation:referral", pk=referral.pk)


# --- Consultations ------------------------------------------------------------------------------


@requires(Capability.VIEW_PERSONAL_DATA)
def consultation_list(request):
    actor = request.actor
    rows = (
        services.visible_consultations(actor)
        .select_related("from_organisation", "to_organisation", "person")
        .order_by("-created_at", "-id")
    )
    page = OneQueryPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    consultations = list(page.object_list)
    # A person is named only in rows the actor's own organisation asked and the access rule allows.
    asked = {c.person_id for c in consultations if c.person_id and c.from_organisation_id == actor.organisation.pk}
    visible = set(visible_persons(actor).filter(pk__in=asked).values_list("pk", flat=True)) if asked else set()
    for c in consultations:
        ours = c.from_organisation_id == actor.organisation.pk
        c.shown_person = c.person if ours and c.person_id in visible else None
    record_many(actor, Action.VIEW, [c for c in consultations if c.shown_person is not None])
    return render(request, "referrals/consultation_list.html", {"page": page, "consultations": consultations})


@requires(Capability.VIEW_PERSONAL_DATA)
def consultation_new(request):
    actor = request.actor
    person = None
    if request.GET.get("person"):
        person_pk = request.GET["person"]
        if not (person_pk.isdigit() and len(person_pk) < 12):
            raise Http404
        person = get_person(actor, person_pk)
    form = ConsultationForm(request.POST or None, organisation=actor.organisation, anonymous=person is None)
    no_consent_to = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            consultation = services.ask_consultation(
                actor,
                to_organisation_id=d["to_organisation"].pk,
                title=d["title"],
                question=d["question"],
                person=person,
            )
        except ValidationError as error:
            if person is not None and "person" in getattr(error, "error_dict", {}):
                no_consent_to = d["to_organisation"]
            apply_errors(form, error)
        else:
            messages.success(request, _("The consultation is sent."))
            return redirect("cooperation:consultation", pk=consultation.pk)
    context = {"person": person, "form": form, "no_consent_to": no_consent_to}
    return render(request, "referrals/consultation_form.html", context)


def _consultation_page(request, consultation: Consultation, form: ReplyForm):
    actor = request.actor
    asking = consultation.from_organisation_id == actor.organisation.pk
    context = {
        "consultation": consultation,
        "replies": consultation.replies.select_related("author", "organisation"),
        "form": form,
        "asking": asking,
        "can_close": asking and consultation.status != Consultation.Status.CLOSED,
        "is_open": consultation.status != Consultation.Status.CLOSED,
        # The service hides a person the actor may not see; say so without naming them.
        "hidden_person": consultation.person is None
        and Consultation.objects.filter(pk=consultation.pk, person__isnull=False).exists(),
    }
    return render(request, "referrals/consultation_detail.html", context)


@requires(Capability.VIEW_PERSONAL_DATA)
def consultation_detail(request, pk: int):
    consultation = services.get_consultation(request.actor, pk)
    return _consultation_page(request, consultation, ReplyForm())


@requires(Capability.VIEW_PERSONAL_DATA)
@require_POST
def consultation_reply(request, pk: int):
    actor = request.actor
    consultation = services.get_consultation(actor, pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.reply_to_consultation(actor, consultation, form.cleaned_data["text"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Your reply is sent."))
            return redirect("cooperation:consultation", pk=consultation.pk)
    return _consultation_page(request, consultation, form)


@requires(Capability.VIEW_PERSONAL_DATA)
@require_POST
def consultation_close(request, pk: int):
    actor = request.actor
    consultation = services.get_consultation(actor, pk)
    try:
        services.close_consultation(actor, consultation)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The consultation is closed."))
    return redirect("cooperation:consultation", pk=consultation.pk)


# --- Who does what for a child --------------------------------------------------------------------


@requires(Capability.VIEW_PERSONAL_DATA)
def agreements(request, child_pk: int):
    """Which service does what for the child, for every service involved: listed and set."""
    actor = request.actor
    child = Person.objects.filter(pk=child_pk).first()
    if child is None:
        raise Http404
    rows = {a.task: a for a in services.agreements_for(actor, child)}  # 404 unless the child is ours or shared
    can_edit = actor.can(Capability.EDIT_CASES)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    record(actor, Action.VIEW, child, details={"agreements": True})
    form = AgreementForm(request.POST or None, initial={"task": request.GET.get("task")}) if can_edit else None
    if form is not None and request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.set_agreement(
                actor,
                child,
                task=d["task"],
                responsible_organisation_id=d["responsible_organisation"].pk,
                note=d["note"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The agreement is saved."))
            return redirect("cooperation:agreements", child_pk=child.pk)
    own = visible_persons(actor).filter(pk=child.pk).exists()
    context = {
        "child": child,
        "rows": [(value, label, rows.get(value)) for value, label in ChildAgreement.Task.choices],
        "form": form,
        "own": own,
    }
    return render(request, "referrals/agreements.html", context)


# --- Notifications ---------------------------------------------------------------------------------


@requires(Capability.VIEW_PERSONAL_DATA)
def notifications(request):
    page = OneQueryPaginator(services.notifications_for(request.actor), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "referrals/notifications.html", {"page": page})


@requires(Capability.VIEW_PERSONAL_DATA)
@require_POST
def notification_read(request, pk: int):
    actor = request.actor
    if not services.notifications_for(actor).filter(pk=pk).exists():
        raise Http404
    services.mark_read(actor, pk)
    return redirect("cooperation:notifications")
