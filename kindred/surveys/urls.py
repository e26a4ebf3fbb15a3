from django.urls import path

from kindred.surveys import views

app_name = "surveys"

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_new, name="new"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/open/", views.campaign_open, name="open"),
    path("<int:pk>/close/", views.campaign_close, name="close"),
    path("<int:pk>/codes/", views.campaign_codes, name="codes"),
    path("<int:pk>/codes.csv", views.campaign_codes_csv, name="codes_csv"),
    path("<int:pk>/report/", views.campaign_report, name="report"),
    path("<int:pk>/report.csv", views.campaign_report_csv, name="report_csv"),
    path("<int:pk>/report.xlsx", views.campaign_report_xlsx, name="report_xlsx"),
]

# The respondents' pages, included under /survey/ with the namespace "survey".
respondent_urlpatterns = (
    [
        path("<str:token>/", views.respondent_start, name="start"),
        path("<str:token>/answer/", views.respondent_answer, name="answer"),
    ],
    "survey",
)
