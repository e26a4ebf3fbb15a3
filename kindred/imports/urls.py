from django.urls import path

from kindred.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.upload, name="upload"),
    path("template.csv", views.template_csv, name="template_csv"),
    path("template.xlsx", views.template_xlsx, name="template_xlsx"),
    path("<int:pk>/", views.batch, name="batch"),
    path("<int:pk>/check/", views.check, name="check"),
    path("<int:pk>/check-again/", views.check_again, name="check_again"),
    path("<int:pk>/import/", views.start, name="start"),
    path("<int:pk>/run/", views.run, name="run"),
]
