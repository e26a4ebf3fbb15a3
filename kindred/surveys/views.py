"""Survey campaigns: the organisation's pages under /surveys/ and the respondents' pages under /survey/<token>/.

Staff pages: members whose role may run surveys (services.can_run_surveys) get the list and the form for a
new campaign; any other member gets 403 there. Every page about one campaign answers 404 unless the campaign
is the member's organisation's and their role may run surveys.

Respondent pages keep no trace of the respondent: no session, no cookie (not even the CSRF cookie, which is
why they are csrf_exempt: without an account or a session there is nothing a forged request could act as;
what it could send, anyone can send with the link), no messages framework, and results rendered straight in
the response to the answers, never in a URL. The language can be chosen with ?lang= on each page.
"""

from __future__ import annotations

import functools

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kindred.audit.services import Action, record
from kindred.forms import apply_errors
from kindred.surveys import exports, services
from kindred.surveys.forms import CampaignForm, CodeForm, CodesForm, QuestionnaireForm
from kindred.surveys.models import Campaign

CHART_WIDTH = 320
CHART_BAR_HEIGHT = 28
CHART_LABEL_WIDTH = 200


def _language() -> str:
    return (translation.get_language() or "nb")[:2]


def _signed_in(view):
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


def _runs_surveys(view):
    """Pages without a campaign: 403 for a member whose role may not run surveys."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not services.can_run_surveys(request.actor):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return _signed_in(wrapped)


@_runs_surveys
def campaign_list(request):
    campaigns = list(services.campaigns_for(request.actor).select_related("created_by"))
    return render(request, "surveys/list.html", {"campaigns": campaigns})


@_runs_surveys
def campaign_new(request):
    actor = request.actor
    form = CampaignForm(request.POST or None, instruments=services.eligible_instruments(actor), language=_language())
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.create_campaign(actor, **form.to_data())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The campaign is created as a draft. Open it when you are ready."))
            return redirect("surveys:detail", pk=campaign.pk)
    return render(request, "surveys/new.html", {"form": form})


def _share_link(request, campaign: Campaign) -> str:
    return request.build_absolute_uri(reverse("survey:start", args=[campaign.token]))


@_signed_in
def campaign_detail(request, pk: int):
    campaign = services.get_campaign(request.actor, pk)
    link = _share_link(request, campaign)
    language = _language()
    context = {
        "campaign": campaign,
        "instruments": [i.parsed().title.get(language) for i in services.campaign_instruments(campaign)],
        "link": link,
        "qr_data_uri": segno.make(link, error="m").svg_data_uri(scale=4),
        "codes": services.code_counts(campaign) if campaign.access == Campaign.Access.CODES else None,
    }
    return render(request, "surveys/detail.html", context)


def _change_status(request, pk: int, change, done: str):
    campaign = services.get_campaign(request.actor, pk)
    try:
        change(request.actor, campaign)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("surveys:detail", pk=campaign.pk)


@_signed_in
@require_POST
def campaign_open(request, pk: int):
    return _change_status(request, pk, services.open_campaign, _("The campaign is open: share the link."))


@_signed_in
@require_POST
def campaign_close(request, pk: int):
    return _change_status(request, pk, services.close_campaign, _("The campaign is closed. The report is ready."))


@_signed_in
@never_cache
def campaign_codes(request, pk: int):
    actor = request.actor
    campaign = services.get_campaign(actor, pk)
    form = CodesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.generate_codes(actor, campaign, form.cleaned_data["count"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if "download" in request.POST:
                return exports.codes_csv_response(campaign, codes)
            return render(request, "surveys/codes_made.html", {"campaign": campaign, "codes": codes})
    context = {"campaign": campaign, "form": form, "counts": services.code_counts(campaign)}
    return render(request, "surveys/codes.html", context)


@_signed_in
@require_POST
@never_cache
def campaign_codes_csv(request, pk: int):
    """The codes just shown, as CSV: posted back from that page, since only their hashes are stored."""
    campaign = services.get_campaign(request.actor, pk)
    codes = services.known_codes(request.actor, campaign, request.POST.get("codes", "").split()[: services.MAX_CODES])
    return exports.codes_csv_response(campaign, codes)


def _chart(part: services.InstrumentReport) -> dict:
    bars = []
    for n, zone in enumerate(part.zones):
        width = round(CHART_WIDTH * zone.percent / 100) if zone.percent is not None else 0
        bars.append(
            {
                "zone": zone,
                "y": n * CHART_BAR_HEIGHT,
                "text_y": n * CHART_BAR_HEIGHT + CHART_BAR_HEIGHT // 2 + 5,
                "width": width,
                "value_x": CHART_LABEL_WIDTH + width + 6,
            }
        )
    return {
        "bars": bars,
        "width": CHART_LABEL_WIDTH + CHART_WIDTH + 90,
        "height": max(1, len(bars)) * CHART_BAR_HEIGHT,
        "bar_x": CHART_LABEL_WIDTH,
        "bar_height": CHART_BAR_HEIGHT - 8,
    }


def _report(request, pk: int):
    campaign = services.get_campaign(request.actor, pk)
    return services.report(request.actor, campaign)


@_signed_in
def campaign_report(request, pk: int):
    report = _report(request, pk)
    if report.available:
        record(request.actor, Action.VIEW, report.campaign)
    parts = [{"part": part, "chart": _chart(part)} for part in report.instruments]
    context = {
        "campaign": report.campaign,
        "report": report,
        "parts": parts,
        "hidden_text": exports.hidden_text(),
        "legend": exports.legend(report.threshold),
    }
    return render(request, "surveys/report.html", context)


def _export(request, pk: int, respond):
    report = _report(request, pk)
    if not report.available:
        messages.error(request, _("The report is ready when the campaign is closed."))
        return redirect("surveys:report", pk=report.campaign.pk)
    record(request.actor, Action.EXPORT, report.campaign)
    return respond(report)


@_signed_in
def campaign_report_csv(request, pk: int):
    return _export(request, pk, exports.csv_response)


@_signed_in
def campaign_report_xlsx(request, pk: int):
    return _export(request, pk, exports.xlsx_response)


# --- the respondents' pages ----------------------------------------------------------------------------------


def _public(view):
    """No CSRF cookie, no caching, and the language of ?lang= when it is one Kindred speaks."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        chosen = request.GET.get("lang", "")
        if chosen in dict(settings.LANGUAGES):
            with translation.override(chosen):
                return view(request, *args, **kwargs)
        return view(request, *args, **kwargs)

    return csrf_exempt(never_cache(wrapped))


def _public_context(request, campaign: Campaign, **extra) -> dict:
    chosen = request.GET.get("lang", "")
    return {
        "campaign": campaign,
        "lang_query": f"?lang={chosen}" if chosen in dict(settings.LANGUAGES) else "",
        "languages": settings.LANGUAGES,
        **extra,
    }


def _questionnaire(request, campaign, form):
    context = _public_context(request, campaign, form=form, errors=_error_list(form))
    return render(request, "surveys/public/questionnaire.html", context)


def _error_list(form) -> list[dict]:
    """Links from the summary at the top to each question with a problem."""
    items = []
    for name, errors in form.errors.items():
        if name in form.fields and name != "access_code":
            items.append({"id": f"{form[name].auto_id}_error", "label": form[name].label, "message": errors[0]})
    return items


@_public
def respondent_start(request, token: str):
    campaign = services.campaign_for_token(token)
    context = _public_context(request, campaign, code_form=CodeForm())
    return render(request, "surveys/public/start.html", context)


@_public
def respondent_answer(request, token: str):
    campaign = services.campaign_for_token(token)
    if campaign.status != Campaign.Status.OPEN:
        return render(request, "surveys/public/start.html", _public_context(request, campaign))
    instruments = services.campaign_instruments(campaign)
    language = _language()
    uses_codes = campaign.access == Campaign.Access.CODES

    def questionnaire_form(data=None, code=""):
        return QuestionnaireForm(
            data,
            campaign=campaign,
            instruments=instruments,
            language=language,
            initial={"access_code": code},
        )

    if request.method != "POST":
        if uses_codes:
            start = reverse("survey:start", args=[campaign.token])
            return redirect(start + _public_context(request, campaign)["lang_query"])
        return _questionnaire(request, campaign, questionnaire_form())

    if uses_codes and request.POST.get("step") == "code":
        code_form = CodeForm(request.POST)
        if code_form.is_valid():
            try:
                services.check_code(campaign, code_form.cleaned_data["code"])
            except ValidationError as error:
                apply_errors(code_form, error)
            else:
                code = services.normalise_code(code_form.cleaned_data["code"])
                return _questionnaire(request, campaign, questionnaire_form(code=code))
        return render(request, "surveys/public/start.html", _public_context(request, campaign, code_form=code_form))

    form = questionnaire_form(request.POST)
    if form.is_valid():
        try:
            feedback = services.respond(
                campaign,
                answers=form.answers(),
                background=form.background(),
                sex=form.cleaned_data.get("sex", ""),
                code=form.cleaned_data["access_code"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            context = _public_context(request, campaign, feedback=feedback)
            return render(request, "surveys/public/thanks.html", context)
    return _questionnaire(request, campaign, form)
