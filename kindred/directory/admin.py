from django.contrib import admin

from kindred.directory.models import HelpOffer


@admin.register(HelpOffer)
class HelpOfferAdmin(admin.ModelAdmin):
    """National helplines outside Kindred (no organisation) are kept here; organisations keep their own offers."""

    list_display = ["name", "provider", "organisation", "country", "nationwide", "accepts_self_referral", "active"]
    list_filter = ["country", "nationwide", "accepts_self_referral", "active"]
    search_fields = ["name", "provider"]
    filter_horizontal = ["municipalities"]
    list_select_related = ["organisation"]
