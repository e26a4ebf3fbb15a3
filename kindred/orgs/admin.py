from django.contrib import admin

from kindred.orgs.models import APIToken, Membership, Municipality, Organisation


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "municipality_number", "country", "parent", "require_two_factor"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "municipality_number"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__full_name", "organisation__name"]
    list_select_related = ["user", "organisation"]


@admin.register(APIToken)
class APITokenAdmin(admin.ModelAdmin):
    """Tokens can be seen and revoked here; their secret is never stored."""

    list_display = ["name", "key_prefix", "user", "membership", "expires_at", "revoked_at", "last_used_at"]
    readonly_fields = ["key_hash", "key_prefix", "user", "membership", "created_at", "last_used_at"]
    list_select_related = ["user", "membership__organisation"]

    def has_add_permission(self, request):
        return False


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "number", "region", "country"]
    list_filter = ["country", "region"]
    search_fields = ["name", "number"]
