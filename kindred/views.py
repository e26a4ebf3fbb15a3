from __future__ import annotations

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token


def start(request):
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    membership = request.membership
    start_template = f"orgs/start/{membership.role}.html" if membership else ""
    return render(request, "start.html", {"start_template": start_template})


@never_cache
def healthz(request):
    """For load balancers: 200 when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


@requires_csrf_token
def server_error(request):
    # No context processors: they may be what failed.
    return HttpResponse(loader.get_template("500.html").render({}), status=500)
