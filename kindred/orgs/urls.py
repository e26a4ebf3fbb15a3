from django.urls import path

from kindred.orgs import views

app_name = "orgs"

urlpatterns = [
    path("switch/", views.switch, name="switch"),
    path("members/", views.members, name="members"),
    path("members/<int:pk>/role/", views.change_role, name="change_role"),
    path("members/<int:pk>/remove/", views.remove, name="remove"),
    path("two-factor-policy/", views.two_factor_policy, name="two_factor_policy"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.revoke_token, name="revoke_token"),
]
