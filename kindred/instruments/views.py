"""Instrument pages: staff fill in instruments about a person and follow the scores over time; anyone may take a
public self-test without an account, and nothing identifying them is kept."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from kindred.audit.services import Action, record_many
from kindred.forms import apply_errors
from kindred.instruments import services
from kindred.instruments.charts import history_by_instrument
from kindred.instruments.forms import ItemsForm, SelfTestOptionsForm, UploadForm, depends_on_sex
from kindred.instruments.help_offers import offers_for
from kindred.orgs.decorators import requires
from kindred.orgs.models import Capability
from kindred.people.access import get_episode, get_person
from kindred.security import count_against_limit, limit_reached


def _language() -> str:
    return (get_language() or "nb")[:2]


def _audience_label(audience: str) -> str:
    return {
        "staff": _("Staff only"),
        "public": _("Public self-test only"),
        "both": _("Staff and public self-test"),
    }[audience]


def member_required(view):
    """Any role in an organisation: the list of instruments holds no personal data."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.membership is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _summary(instrument, language: str) -> dict:
    definition = instrument.parsed()
    return {
        "instrument": instrument,
        "key": definition.key,
        "title": definition.title.get(language),
        "description": definition.description.get(language),
        "source": definition.source,
        "audience": _audience_label(definition.audience),
        "items": len(definition.items),
        "placeholders": definition.has_placeholders,
        "own": instrument.organisation_id is not None,
    }


def _episode_for(actor, person, pk):
    """The optional episode of a response: visible to the actor and the person's own, else 404."""
    if not pk:
        return None
    episode = get_episode(actor, pk)
    if episode.patient_id != person.pk:
        raise Http404
    return episode


# Staff pages


@member_required
def instrument_list(request):
    language = _language()
    instruments = [_summary(i, language) for i in services.instruments_for(request.actor)]
    context = {"instruments": instruments, "can_upload": request.actor.can(Capability.MANAGE_ORGANISATION)}
    return render(request, "instruments/list.html", context)


@requires(Capability.MANAGE_ORGANISATION)
def upload(request):
    posted = request.method == "POST"
    form = UploadForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        # One byte over the limit is enough for the service to refuse a too-large file.
        content = form.cleaned_data["file"].read(services.MAX_UPLOAD_BYTES + 1)
        try:
            instrument = services.upload_instrument(request.actor, content)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            title = instrument.parsed().title.get(_language())
            messages.success(
                request,
                _("%(title)s (version %(version)s) is added.") % {"title": title, "version": instrument.version},
            )
            return redirect("instruments:list")
    return render(request, "instruments/upload.html", {"form": form})


@requires(Capability.VIEW_PERSONAL_DATA)
def choose(request, person_pk: int):
    actor = request.actor
    person = get_person(actor, person_pk)
    episode = _episode_for(actor, person, request.GET.get("episode"))
    language = _language()
    instruments = [_summary(i, language) for i in services.instruments_for(actor, audience="staff")]
    return render(
        request, "instruments/choose.html", {"person": person, "episode": episode, "instruments": instruments}
    )


@requires(Capability.VIEW_PERSONAL_DATA)
def fill_in(request, person_pk: int, instrument_pk: int):
    actor = request.actor
    person = get_person(actor, person_pk)
    episode = _episode_for(actor, person, request.GET.get("episode"))
    instrument = services.get_instrument(actor, instrument_pk)
    definition = instrument.parsed()
    language = _language()
    posted = request.method == "POST"
    form = ItemsForm(request.POST if posted else None, definition=definition, language=language)
    if posted and form.is_valid():
        try:
            services.record_response(actor, instrument, person, form.answers(), episode=episode)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("%(title)s is recorded for %(person)s.")
                % {"title": definition.title.get(language), "person": person},
            )
            return redirect(f"{reverse('instruments:history', args=[person.pk])}#instrument-{instrument.key}")
    context = {
        "person": person,
        "episode": episode,
        "form": form,
        "summary": _summary(instrument, language),
        "sex_dependent": depends_on_sex(definition),
        "forms_with_errors": [form] if form.errors else [],
    }
    return render(request, "instruments/fill_in.html", context)


@requires(Capability.VIEW_PERSONAL_DATA)
def history(request, person_pk: int):
    actor = request.actor
    person = get_person(actor, person_pk)
    responses = list(services.history(actor, person).select_related("created_by", "person"))
    record_many(actor, Action.VIEW, responses)
    context = {"person": person, "groups": history_by_instrument(responses, _language())}
    return render(request, "instruments/history.html", context)


# Public self-tests: no account, no session, nothing identifying stored. The views never touch request.session.


@never_cache
def selftest_list(request):
    language = _language()
    tests = [
        _summary(i, language)
        for i in services.instruments_for(None, audience="public")
        if not i.parsed().has_placeholders
    ]
    return render(request, "instruments/selftest_list.html", {"tests": tests})


@never_cache
def selftest_take(request, key: str):
    instrument = services.public_instrument(key)
    definition = instrument.parsed()
    language = _language()
    data = request.POST if request.method == "POST" else None
    items = ItemsForm(data, definition=definition, language=language)
    options = SelfTestOptionsForm(data, ask_sex=depends_on_sex(definition))
    # Answers per client address, counted in the cache only (kindred/security.py); the address is never stored.
    limited = data is not None and limit_reached(request, "self_test", settings.SELF_TEST_RATE)
    if data is not None and not limited and all([items.is_valid(), options.is_valid()]):
        try:
            result, row = services.score_anonymously(
                instrument,
                items.answers(),
                sex=options.cleaned_data.get("sex", ""),
                keep=options.cleaned_data["keep"],
            )
        except ValidationError as error:
            apply_errors(items, error)
        else:
            count_against_limit(request, "self_test", settings.SELF_TEST_RATE)
            # Rendered straight after the POST: the result never appears in a URL or in a session.
            context = {
                "test": _summary(instrument, language),
                "zone_label": result.zone.label.get(language) if result.zone else "",
                "feedback": result.zone.feedback.get(language) if result.zone else "",
                "level": result.zone.level if result.zone else None,
                "scores": [
                    {"label": s.label.get(language), "value": result.scores[s.key], "max": definition.max_score(s.key)}
                    for s in definition.scores
                ],
                "complete": result.complete,
                "kept": row is not None,
                "offers": offers_for(instrument.key, language),
            }
            return render(request, "instruments/selftest_result.html", context)
    context = {
        "test": _summary(instrument, language),
        "items": items,
        "options": options,
        "forms_with_errors": [f for f in (items, options) if f.errors],
        "limited": limited,
    }
    return render(request, "instruments/selftest_form.html", context, status=429 if limited else 200)
