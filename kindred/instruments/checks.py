"""System checks: a broken help offers file is reported at start-up, not only in the log of a self-test."""

from __future__ import annotations

from django.core.checks import Error, register


@register()
def help_offers_file(app_configs, **kwargs):
    from kindred.instruments.help_offers import HelpOffersError, load_help_offers

    try:
        load_help_offers()
    except HelpOffersError as error:
        return [
            Error(
                str(error),
                hint="Fix the file, or point the HELP_OFFERS_FILE setting at a valid one.",
                id="instruments.E001",
            )
        ]
    return []
