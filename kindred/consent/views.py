from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kindred.audit.services import Action, record_many
from kindred.consent import services
from kindred.consent.forms import ConsentForm
from kindred.consent.models import Consent
from kindred.forms import apply_errors
from kindred.orgs.decorators import requires
from kindred.orgs.models import Capability
from kindred.paging import OneQueryPaginator
from kindred.people.access import get_person


@requires(Capability.EDIT_CASES)
def new_consent(request, person_pk: int):
    actor = request.actor
    person = get_person(actor, person_pk)
    initial = {}
    if request.GET.get("to"):
        initial["recipient_organisation"] = request.GET["to"]
    form = ConsentForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_consent(actor, person, form.to_data())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The consent is recorded."))
            return redirect("people:person", pk=person.pk)
    return render(request, "consent/consent_form.html", {"person": person, "form": form})


@requires(Capability.EDIT_CASES)
@require_POST
def revoke(request, pk: int):
    actor = request.actor
    try:
        consent = services.consents_recorded_by(actor).get(pk=int(pk))
    except (Consent.DoesNotExist, ValueError):
        raise Http404 from None
    get_person(actor, consent.person_id, obj=consent)
    services.revoke_consent(actor, consent)
    messages.success(request, _("The consent is revoked. Nothing more is shared under it."))
    return redirect("people:person", pk=consent.person_id)


@requires(Capability.VIEW_PERSONAL_DATA)
def shared_with_us(request):
    """Persons other organisations share with ours under a valid consent."""
    actor = request.actor
    page = OneQueryPaginator(services.shared_persons(actor).order_by("family_name", "given_name", "id"), 50).get_page(
        request.GET.get("page")
    )
    record_many(actor, Action.VIEW, list(page.object_list))
    return render(request, "consent/shared_list.html", {"page": page})


@requires(Capability.VIEW_PERSONAL_DATA)
def shared_person(request, person_pk: int):
    """What other organisations share about one person: only the consented parts."""
    actor = request.actor
    person, shares = services.get_shared_person(actor, person_pk)
    summaries = services.shared_summaries(shares, person)
    return render(request, "consent/shared_person.html", {"person": person, "summaries": summaries})
