from django.urls import path

from kindred.directory import views

app_name = "directory"

urlpatterns = [
    # Public: no login.
    path("", views.search, name="search"),
    path("<int:pk>/", views.offer_detail, name="offer"),
    path("<int:pk>/contact/", views.self_refer, name="self_refer"),
    path("receipt/", views.receipt, name="receipt"),
    # The organisation's offers: organisation admins.
    path("offers/", views.offer_list, name="offers"),
    path("offers/new/", views.offer_new, name="offer_new"),
    path("offers/<int:pk>/edit/", views.offer_edit, name="offer_edit"),
    # The inbox of self-referrals: members whose role manages programmes.
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/", views.inbox_detail, name="inbox_detail"),
    path("inbox/<int:pk>/assign/", views.inbox_assign, name="inbox_assign"),
    path("inbox/<int:pk>/contacted/", views.inbox_contacted, name="inbox_contacted"),
    path("inbox/<int:pk>/close/", views.inbox_close, name="inbox_close"),
    path("inbox/<int:pk>/enrol/", views.inbox_enrol, name="inbox_enrol"),
    path("inbox/<int:pk>/client/", views.inbox_client, name="inbox_client"),
]
