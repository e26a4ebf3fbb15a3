from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstrumentsConfig(AppConfig):
    name = "kindred.instruments"
    label = "instruments"
    verbose_name = _("Instruments")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from kindred.instruments import checks  # noqa: F401  (registers the system checks)
        from kindred.instruments.models import Instrument
        from kindred.instruments.services import forget_public_instruments

        # The public self-tests' instruments are kept per process (services.public_instrument): any change clears.
        post_save.connect(forget_public_instruments, sender=Instrument, dispatch_uid="forget_public_instruments")
        post_delete.connect(forget_public_instruments, sender=Instrument, dispatch_uid="forget_public_instruments_d")
