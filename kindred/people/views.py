from __future__ import annotations

import json
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kindred.audit.models import AccessLog
from kindred.audit.services import Action, record_many
from kindred.forms import apply_errors
from kindred.orgs.decorators import requires
from kindred.orgs.models import Capability
from kindred.paging import OneQueryPaginator
from kindred.people import access
from kindred.people.export import build_export
from kindred.people.forms import BreakGlassForm, RelativeForm
from kindred.people.models import Person
from kindred.people.services import SEARCH_MAX_LENGTH, add_relative, family_of, parse_national_id, search_persons

SEARCH_PAGE_SIZE = 25


@requires(Capability.VIEW_PERSONAL_DATA)
def search(request):
    """Person search by name or national id, within what the access rule lets the actor see."""
    actor = request.actor
    query = " ".join(request.GET.get("q", "").split())[:SEARCH_MAX_LENGTH]
    page, problem = None, ""
    if query:
        try:
            persons = search_persons(actor, query)
        except ValidationError as error:
            problem = error.messages[0]
        else:
            page = OneQueryPaginator(persons, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
            record_many(actor, Action.VIEW, list(page.object_list))
    context = {"query": query, "page": page, "problem": problem, "querystring": urlencode({"q": query})}
    return render(request, "people/search.html", context)


@requires(Capability.VIEW_PERSONAL_DATA)
def person_detail(request, pk: int):
    """The family view: children, partner, parents, siblings, others close, and every episode's children work."""
    actor = request.actor
    person = access.get_person(actor, pk)
    from kindred.care.services import family_overview

    family = family_of(person, visible=access.visible_family(actor, person))
    consents = person.consents.filter(organisation=actor.organisation).select_related(
        "organisation", "recipient_organisation"
    )
    context = {
        "person": person,
        "family": family,
        "episodes": family_overview(actor, person),
        "consents": consents,
    }
    return render(request, "people/person_detail.html", context)


@requires(Capability.EDIT_CASES)
def relative_new(request, pk: int):
    """Add a partner, parent, sibling or other close person to the family view."""
    actor = request.actor
    person = access.get_person(actor, pk)
    form = RelativeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            add_relative(
                actor,
                person,
                form.to_person(),
                d["kind"],
                description=d["description"],
                lives_together=d["lives_together"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The relative is added."))
            return redirect("people:person", pk=person.pk)
    return render(request, "people/relative_form.html", {"person": person, "form": form})


@requires(Capability.VIEW_PERSONAL_DATA)
def access_report(request, pk: int):
    """Who has seen this person's data: printable, in the person's language when we know it."""
    actor = request.actor
    person = access.get_person(actor, pk, action=Action.EXPORT, obj=None)
    language = request.GET.get("language") or person.preferred_language or translation.get_language()
    if language not in ("nb", "da", "en"):
        language = translation.get_language()
    rows = (
        AccessLog.objects.about(person)
        .select_related("organisation")
        .only("at", "user_label", "organisation__name", "role", "action", "reason", "object_type")[:1000]
    )
    with translation.override(language):
        return render(request, "people/access_report.html", {"person": person, "rows": rows, "language": language})


EXPORT_LANGUAGES = ("nb", "da", "en")


@requires(Capability.EDIT_CASES)
def export(request, pk: int):
    """Everything the organisation holds about the person, for an access request: a printable page or JSON.

    Staff who record cases (the person's clinician, or the unit's child-responsible staff and coordinators)
    give it; the person is reached through the access rule and the export itself is logged (EXPORT)."""
    actor = request.actor
    as_json = request.GET.get("format") == "json"
    language = request.GET.get("language", "")
    if language not in EXPORT_LANGUAGES:
        language = ""
    # Who it is for decides the default language, so the person is looked up (and the export logged) first.
    details = {"export": "access_request", "format": "json" if as_json else "html"}
    person = access.get_person(actor, pk, action=Action.EXPORT, details=details)
    if not language:
        preferred = (person.preferred_language or "")[:2]
        current = (translation.get_language() or "nb")[:2]
        language = preferred if preferred in EXPORT_LANGUAGES else current if current in EXPORT_LANGUAGES else "nb"
    with translation.override(language):
        data = build_export(actor, person, language)
        if as_json:
            body = json.dumps(data.as_json(), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
            response = HttpResponse(body, content_type="application/json; charset=utf-8")
            response["Content-Disposition"] = (
                f'attachment; filename="kindred-export-{person.pk}-{timezone.localdate():%Y-%m-%d}.json"'
            )
            return response
        context = {"export": data, "person": person, "language": language, "languages": EXPORT_LANGUAGES}
        return render(request, "people/export.html", context)


@requires(Capability.EDIT_CASES)
def break_glass(request):
    actor = request.actor
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            number = parse_national_id(form.cleaned_data["national_id"]).number
            person = Person.objects.filter(national_id=number).first()
            if person is None:
                raise Http404
            access.break_the_glass(actor, person.pk, form.cleaned_data["reason"])
        except ValidationError as error:
            apply_errors(form, error)
        except Http404:
            form.add_error("national_id", _("No patient with this national id has an episode in your unit."))
        else:
            messages.warning(request, _("You have temporary access. It is logged and will be reviewed."))
            return redirect("people:person", pk=person.pk)
    return render(request, "people/break_glass.html", {"form": form})


@requires(Capability.CHILDREN_OVERVIEW)
def break_glass_review(request):
    grants = access.grants_to_review(request.actor)[:200]
    return render(request, "people/break_glass_review.html", {"grants": grants})


@requires(Capability.CHILDREN_OVERVIEW)
@require_POST
def break_glass_reviewed(request, pk: int):
    access.review_grant(request.actor, pk)
    messages.success(request, _("Marked as reviewed."))
    return redirect("people:break_glass_review")
