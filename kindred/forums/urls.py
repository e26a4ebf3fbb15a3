from django.urls import path

from kindred.forums import views

app_name = "forums"

urlpatterns = [
    path("", views.forum_list, name="list"),
    path("new/", views.series_new, name="series_new"),
    path("series/<int:pk>/", views.series_detail, name="series"),
    path("series/<int:pk>/meetings/new/", views.meeting_add, name="meeting_add"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/attendance/", views.meeting_attendance, name="attendance"),
    path("meetings/<int:pk>/documents/", views.document_add, name="document_add"),
    path("meetings/<int:pk>/print/", views.meeting_print, name="print"),
    path("documents/<int:pk>/remove/", views.document_remove, name="document_remove"),
]
