from django.urls import path

from kindred.competence import views

app_name = "competence"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("overview/", views.overview, name="overview"),
    path("courses/new/", views.course_new, name="course_new"),
    path("courses/<int:pk>/", views.course_detail, name="course"),
    path("courses/<int:pk>/edit/", views.course_edit, name="course_edit"),
    path("courses/<int:pk>/enrol/", views.course_enrol, name="course_enrol"),
    path("enrolments/<int:pk>/complete/", views.enrolment_complete, name="enrolment_complete"),
    path("enrolments/<int:pk>/withdraw/", views.enrolment_withdraw, name="enrolment_withdraw"),
]
