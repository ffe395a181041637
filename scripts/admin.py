from django.contrib import admin

from resolutionflow.admin import AccountScopedAdmin, ReadOnlyAdmin
from scripts.models import ScriptCategory, ScriptGeneration, ScriptTemplate


@admin.register(ScriptCategory)
class ScriptCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(ScriptTemplate)
class ScriptTemplateAdmin(AccountScopedAdmin):
    """Built-ins (no account) come from scripts/builtin/; saving here runs the same placeholder check."""

    list_display = ["name", "slug", "account", "team", "category", "is_active", "usage_count", "version"]
    list_filter = ["account", "category", "is_active", "requires_elevation"]
    list_select_related = ["account", "team", "category"]
    search_fields = ["name", "slug", "description", "account__name"]
    readonly_fields = ["usage_count", "copied_from", "created_by", "created_at", "updated_at"]
    autocomplete_fields = ["team"]
    refused_delete_hint = "Generations and sessions refer to this template: deactivate it (untick “Is active”) instead."


@admin.register(ScriptGeneration)
class ScriptGenerationAdmin(ReadOnlyAdmin, AccountScopedAdmin):
    """Generations are a record: their scripts are the redacted copies, and nothing here changes them."""

    list_display = ["created_at", "account", "user", "template_name", "template_version", "ai_session"]
    list_select_related = ["account", "user"]
    search_fields = ["template_name", "user__email", "account__name"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in ScriptGeneration._meta.fields]
