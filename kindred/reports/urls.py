from django.urls import path, re_path

from kindred.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("metric/<slug:key>/", views.metric, name="metric"),
    path("young-people/", views.youth, name="youth"),
    re_path(r"^young-people/export\.(?P<fmt>csv|xlsx)$", views.youth_export, name="youth_export"),
    re_path(r"^export\.(?P<fmt>csv|xlsx)$", views.export, name="export"),
]
