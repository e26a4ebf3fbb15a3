from __future__ import annotations

from base64 import b32encode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from kindred.accounts import services
from kindred.accounts.forms import APITokenForm, LoginForm, TokenForm
from kindred.accounts.models import User
from kindred.audit.services import Action, record
from kindred.orgs.models import APIToken
from kindred.orgs.services import issue_api_token, revoke_api_token
from kindred.security import count_against_limit, limit_reached

PENDING_USER = "kindred_pending_2fa_user"
PENDING_BACKEND = "kindred_pending_2fa_backend"
PENDING_NEXT = "kindred_pending_next"


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return ""


def login_view(request):
    if request.user.is_authenticated:
        return redirect("start")
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Failed logins per client address, across accounts (django-axes locks one account at one address).
        if limit_reached(request, "login_failures", settings.LOGIN_RATE):
            form.add_error(None, _("Too many failed logins from your network. Wait a few minutes and try again."))
            return render(request, "accounts/login.html", {"form": form, "next": _safe_next(request)}, status=429)
        user = authenticate(request, username=form.cleaned_data["email"], password=form.cleaned_data["password"])
        if user is None:
            count_against_limit(request, "login_failures", settings.LOGIN_RATE)
            form.add_error(None, _("The e-mail address or password is wrong."))
        elif services.confirmed_totp_devices(user).exists():
            request.session.cycle_key()
            request.session[PENDING_USER] = user.pk
            request.session[PENDING_BACKEND] = user.backend
            request.session[PENDING_NEXT] = _safe_next(request)
            return redirect("accounts:two_factor_verify")
        else:
            login(request, user)
            return redirect(_safe_next(request) or "start")
    return render(request, "accounts/login.html", {"form": form, "next": _safe_next(request)})


def two_factor_verify(request):
    user = User.objects.filter(pk=request.session.get(PENDING_USER), is_active=True).first()
    if user is None:
        return redirect("accounts:login")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.verify_totp(user, form.cleaned_data["token"])
        if device is None:
            user_login_failed.send(
                sender=__name__, credentials={"username": user.email, "stage": "two_factor"}, request=request
            )
            form.add_error("token", _("The code is wrong or has expired. Try the newest code."))
        else:
            backend = request.session.get(PENDING_BACKEND)
            target = request.session.get(PENDING_NEXT) or "start"
            login(request, user, backend=backend)
            otp_login(request, device)
            return redirect(target)
    return render(request, "accounts/two_factor_verify.html", {"form": form})


@login_required
def two_factor_setup(request):
    user = request.user
    if request.method == "POST":
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        form = TokenForm(request.POST)
        if device is not None and form.is_valid():
            if services.confirm_totp_device(request.actor, device, form.cleaned_data["token"]):
                otp_login(request, device)
                messages.success(request, _("Two-factor login is now on for your account."))
                return redirect("accounts:profile")
            form.add_error("token", _("The code is wrong or has expired. Try the newest code."))
    else:
        form = TokenForm()
        device = services.start_totp_enrolment(user)
    if device is None:
        device = services.start_totp_enrolment(user)
    qr = segno.make(device.config_url, error="m")
    context = {
        "form": form,
        "qr_data_uri": qr.svg_data_uri(scale=4, dark="#000", light="#fff"),
        "secret": b32encode(device.bin_key).decode(),
        "has_confirmed": services.confirmed_totp_devices(user).exists(),
    }
    return render(request, "accounts/two_factor_setup.html", context)


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, _("You are logged out."))
    return redirect("accounts:login")


@login_required
@require_POST
def logout_everywhere(request):
    services.end_all_sessions(request.actor)
    logout(request)
    messages.info(request, _("You are logged out on every device."))
    return redirect("accounts:login")


@login_required
def profile(request):
    user = request.user
    record(request.actor, Action.VIEW, user)
    new_token = None
    form = APITokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        _token, new_token = issue_api_token(request.actor, name=data["name"], days=data["days"])
        form = APITokenForm()
    context = {
        "memberships": user.memberships.select_related("organisation"),
        "has_two_factor": services.confirmed_totp_devices(user).exists(),
        "tokens": user.api_tokens.select_related("membership__organisation"),
        "token_form": form,
        "new_token": new_token,
    }
    return render(request, "accounts/profile.html", context)


@login_required
@require_POST
def revoke_token(request, pk: int):
    token = get_object_or_404(APIToken, pk=pk, user=request.user)
    revoke_api_token(request.actor, token)
    messages.success(request, _("The API token is revoked."))
    return redirect("accounts:profile")
