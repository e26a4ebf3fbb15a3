from django.contrib import admin

from kindred.instruments.models import Instrument


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    """Own instruments can be added here too; the definition is validated by the same schema (Instrument.clean)."""

    list_display = ["key", "version", "organisation", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["key"]
