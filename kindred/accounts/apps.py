from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "kindred.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from kindred.middleware import IdleSessionMiddleware

        # A new login's session is saved anyway: it counts as renewed now (kindred.middleware.IdleSessionMiddleware).
        user_logged_in.connect(IdleSessionMiddleware.renewed_at_login, dispatch_uid="kindred.session_renewed_at_login")
