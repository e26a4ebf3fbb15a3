from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from kindred.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("logout/", views.logout_view, name="logout"),
    path("account/", views.profile, name="profile"),
    path("account/logout-everywhere/", views.logout_everywhere, name="logout_everywhere"),
    path("account/two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("account/tokens/<int:pk>/revoke/", views.revoke_token, name="revoke_token"),
    path(
        "account/password/reset/",
        auth_views.PasswordResetView.as_view(
            template_name="accounts/password_reset.html",
            success_url=reverse_lazy("accounts:password_reset_done"),
            email_template_name="accounts/password_reset_email.txt",
        ),
        name="password_reset",
    ),
    path(
        "account/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "account/password/set/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_set.html", success_url=reverse_lazy("accounts:login")
        ),
        name="password_set",
    ),
]
