from django.urls import path

from kindred.people import views

app_name = "people"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("<int:pk>/", views.person_detail, name="person"),
    path("<int:pk>/relatives/new/", views.relative_new, name="relative_new"),
    path("<int:pk>/access-report/", views.access_report, name="access_report"),
    path("<int:pk>/export/", views.export, name="export"),
    path("break-the-glass/", views.break_glass, name="break_glass"),
    path("break-the-glass/review/", views.break_glass_review, name="break_glass_review"),
    path("break-the-glass/review/<int:pk>/", views.break_glass_reviewed, name="break_glass_reviewed"),
]
