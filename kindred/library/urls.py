from django.urls import path

from kindred.library import views

app_name = "library"

urlpatterns = [
    # Public: no login.
    path("", views.browse, name="browse"),
    path("<int:pk>/", views.item_detail, name="item"),
    # The organisation's own items: organisation admins.
    path("manage/", views.manage, name="manage"),
    path("manage/new/", views.item_new, name="item_new"),
    path("manage/<int:pk>/edit/", views.item_edit, name="item_edit"),
]
