from django.urls import path

from kindred.networks import views

app_name = "networks"

urlpatterns = [
    path("", views.network_list, name="list"),
    path("<int:pk>/", views.network_detail, name="detail"),
    path("<int:pk>/templates/share/", views.share_template, name="share_template"),
    path("<int:pk>/templates/unshare/", views.unshare_template, name="unshare_template"),
    path("<int:pk>/templates/copy/", views.copy_template, name="copy_template"),
    path("<int:pk>/items/share/", views.share_item, name="share_item"),
    path("<int:pk>/items/unshare/", views.unshare_item, name="unshare_item"),
]
