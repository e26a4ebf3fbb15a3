from django.urls import path

from kindred.programs import views

app_name = "programs"

urlpatterns = [
    path("", views.run_list, name="runs"),
    path("templates/", views.template_list, name="templates"),
    path("templates/new/", views.template_new, name="template_new"),
    path("templates/<int:pk>/", views.template_detail, name="template"),
    path("templates/<int:pk>/edit/", views.template_edit, name="template_edit"),
    path("templates/<int:pk>/copy/", views.template_copy, name="template_copy"),
    path("templates/<int:pk>/plan/", views.run_new, name="run_new"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/edit/", views.run_edit, name="run_edit"),
    path("runs/<int:pk>/finish/", views.run_finish, name="run_finish"),
    path("runs/<int:pk>/cancel/", views.run_cancel, name="run_cancel"),
    path("runs/<int:pk>/enrol/", views.run_enrol, name="run_enrol"),
    path("runs/<int:pk>/print/", views.run_print, name="run_print"),
    path("sessions/<int:pk>/", views.session_detail, name="session"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("enrolments/<int:pk>/", views.enrolment_detail, name="enrolment"),
    path("enrolments/<int:pk>/interview/", views.enrolment_interview, name="enrolment_interview"),
    path("enrolments/<int:pk>/withdraw/", views.enrolment_withdraw, name="enrolment_withdraw"),
    path("enrolments/<int:pk>/complete/", views.enrolment_complete, name="enrolment_complete"),
    path("enrolments/<int:pk>/sessions/<int:session_pk>/note/", views.enrolment_note, name="enrolment_note"),
    path("enrolments/<int:pk>/measures/<slug:key>/<slug:phase>/", views.enrolment_measure, name="enrolment_measure"),
]
