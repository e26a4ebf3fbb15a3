from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "kindred.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from django.contrib.auth import signals

        from kindred.audit import receivers

        signals.user_logged_in.connect(receivers.on_login, dispatch_uid="kindred-audit-login")
        signals.user_login_failed.connect(receivers.on_login_failed, dispatch_uid="kindred-audit-failed")
        signals.user_logged_out.connect(receivers.on_logout, dispatch_uid="kindred-audit-logout")
