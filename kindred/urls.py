from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from kindred import views
from kindred.api import api
from kindred.instruments.urls import selftest_urlpatterns
from kindred.surveys.urls import respondent_urlpatterns

handler500 = "kindred.views.server_error"

urlpatterns = [
    path("", views.start, name="start"),
    path("healthz", views.healthz, name="healthz"),
    path("", include("kindred.accounts.urls")),
    path("org/", include("kindred.orgs.urls")),
    path("care/", include("kindred.care.urls")),
    path("people/", include("kindred.people.urls")),
    path("consent/", include("kindred.consent.urls")),
    path("cooperation/", include("kindred.referrals.urls")),
    path("instruments/", include("kindred.instruments.urls")),
    path("self-test/", include(selftest_urlpatterns)),
    path("surveys/", include("kindred.surveys.urls")),
    path("survey/", include(respondent_urlpatterns)),
    path("help/", include("kindred.directory.urls")),
    path("programmes/", include("kindred.programs.urls")),
    path("info/", include("kindred.library.urls")),
    path("networks/", include("kindred.networks.urls")),
    path("forums/", include("kindred.forums.urls")),
    path("competence/", include("kindred.competence.urls")),
    path("statistics/", include("kindred.reports.urls")),
    path("import/", include("kindred.imports.urls")),
    path("retention/", include("kindred.retention.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("fhir/r4/", include("kindred.fhir.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
]
