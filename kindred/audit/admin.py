from django.contrib import admin

from kindred.audit.models import AccessLog


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Read-only: nobody can add, change or delete log rows, not even a superuser."""

    list_display = ["at", "user_label", "organisation", "role", "action", "object_type", "object_id", "subject"]
    list_filter = ["action", "role"]
    search_fields = ["user_label", "object_id", "request_id"]
    date_hierarchy = "at"
    list_select_related = ["organisation", "subject"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
