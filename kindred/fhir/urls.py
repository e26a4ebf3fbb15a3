"""The FHIR R4 API, included at /fhir/r4/ (kindred/urls.py)."""

from __future__ import annotations

from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from kindred.fhir import views

app_name = "fhir"

urlpatterns = [
    path("", views.base, name="base"),
    path("metadata", csrf_exempt(views.metadata), name="metadata"),
    path("<str:resource_type>", views.type_endpoint, name="type"),
    path("<str:resource_type>/<str:resource_id>", views.read, name="read"),
]
