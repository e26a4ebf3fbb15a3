from django.urls import path

from kindred.instruments import views

app_name = "instruments"

urlpatterns = [
    path("", views.instrument_list, name="list"),
    path("upload/", views.upload, name="upload"),
    path("people/<int:person_pk>/", views.history, name="history"),
    path("people/<int:person_pk>/new/", views.choose, name="choose"),
    path("people/<int:person_pk>/new/<int:instrument_pk>/", views.fill_in, name="fill_in"),
]

# Mounted separately under /self-test/ (namespace "selftest"): public pages for anyone, no login.
selftest_urlpatterns = (
    [
        path("", views.selftest_list, name="list"),
        path("<slug:key>/", views.selftest_take, name="take"),
    ],
    "selftest",
)
