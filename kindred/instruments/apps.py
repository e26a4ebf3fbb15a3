from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstrumentsConfig(AppConfig):
    name = "kindred.instruments"
    label = "instruments"
    verbose_name = _("Instruments")

    def ready(self) -> None:
        from kindred.instruments import checks  # noqa: F401  (registers the system checks)
