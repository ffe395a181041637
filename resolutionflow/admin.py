from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate

from resolutionflow.models import Account, LLMCall, Team, User, estimate_cost_usd


class AccountScopedAdmin(admin.ModelAdmin):
    """Admin for account-owned rows: filter and search by account everywhere."""

    list_filter = ["account"]
    list_select_related = ["account"]
    search_fields = ["account__name"]


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "time_zone", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Team)
class TeamAdmin(AccountScopedAdmin):
    list_display = ["name", "account", "created_at"]
    search_fields = ["name", "account__name"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "account", "team", "role", "is_active", "is_superuser"]
    list_filter = ["account", "role", "is_active", "is_superuser"]
    list_select_related = ["account", "team"]
    search_fields = ["email", "full_name", "account__name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["full_name", "account", "team", "role"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "account", "team", "role", "password1", "password2"]}),
    ]


@admin.register(LLMCall)
class LLMCallAdmin(AccountScopedAdmin):
    """Every LLM call, and above the list each account's use per day with an estimated cost."""

    list_display = [
        "created_at",
        "account",
        "purpose",
        "model",
        "input_tokens",
        "output_tokens",
        "latency_ms",
        "outcome",
        "cost",
    ]
    list_filter = ["account", "purpose", "outcome", "model"]
    search_fields = ["account__name", "purpose", "error"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in LLMCall._meta.fields]
    change_list_template = "admin/resolutionflow/llmcall/change_list.html"

    @admin.display(description="Est. cost (USD)")
    def cost(self, obj):
        return f"{obj.estimated_cost_usd:.4f}"

    def has_add_permission(self, request):
        return False

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl") if hasattr(response, "context_data") else None
        if changelist is not None:
            response.context_data["usage_by_day"] = usage_by_account_and_day(changelist.queryset)
        return response


def usage_by_account_and_day(queryset, limit=60):
    """Per account and day: calls, tokens and estimated cost, newest first (the rows the filters selected)."""
    rows = (
        queryset.annotate(day=TruncDate("created_at"))
        .values("day", "account__name")
        .annotate(calls=Count("id"), input_tokens=Sum("input_tokens"), output_tokens=Sum("output_tokens"))
        .order_by("-day", "account__name")[:limit]
    )
    return [
        {
            **row,
            "account": row["account__name"] or "—",
            "cost": estimate_cost_usd(row["input_tokens"], row["output_tokens"]),
        }
        for row in rows
    ]
