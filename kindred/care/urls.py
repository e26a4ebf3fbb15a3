from django.urls import path

from kindred.care import views

app_name = "care"

urlpatterns = [
    path("", views.my_work, name="my_work"),
    path("intake/", views.intake, name="intake"),
    path("intake/relative/", views.relative_intake, name="relative_intake"),
    path("children/", views.children_overview, name="children"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/<int:pk>/status/", views.task_status, name="task_status"),
    path("episodes/<int:pk>/", views.episode_detail, name="episode"),
    path("episodes/<int:pk>/children-answer/", views.children_answer, name="children_answer"),
    path("episodes/<int:pk>/leave-intake/", views.leave_intake, name="leave_intake"),
    path("episodes/<int:pk>/tasks/new/", views.new_task, name="new_task"),
    path("episodes/<int:pk>/discharge/", views.discharge, name="discharge"),
    path("episodes/<int:pk>/children/<int:child_pk>/sheet/", views.child_sheet, name="child_sheet"),
    path("episodes/<int:pk>/children/<int:child_pk>/information/", views.information, name="information"),
    path("episodes/<int:pk>/children/<int:child_pk>/concern-report/", views.concern_report, name="concern_report"),
    path("concern-reports/<int:pk>/feedback/", views.concern_feedback, name="concern_feedback"),
    path("child-sheet-questions/", views.sheet_template, name="sheet_template"),
]
