from django.contrib import admin

from kindred.care.models import ChildSheetTemplate


@admin.register(ChildSheetTemplate)
class ChildSheetTemplateAdmin(admin.ModelAdmin):
    """Default questions for every organisation (organisation empty); validated like the web editor."""

    list_display = ["title", "organisation", "language", "version", "created_at"]
    list_filter = ["language"]
