from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "kindred.directory"
    verbose_name = _("Help directory and self-referral")
