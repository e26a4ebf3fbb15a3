from django.contrib import admin

from kindred.retention.models import RetentionRule


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):
    """Country rules are set here by the operators; organisations set their own on the retention page."""

    list_display = ["record_type", "organisation", "country", "months", "updated_at"]
    list_filter = ["record_type", "country"]
    list_select_related = ["organisation"]
    readonly_fields = ["updated_at", "updated_by"]
