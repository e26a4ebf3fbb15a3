from django.contrib import admin

from kindred.programs.models import ProgrammeTemplate


@admin.register(ProgrammeTemplate)
class ProgrammeTemplateAdmin(admin.ModelAdmin):
    """Templates only: runs and participants hold personal data and are reached through the audited pages."""

    list_display = ["name", "kind", "organisation", "delivery", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name"]
    list_select_related = ["organisation"]
