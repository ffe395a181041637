from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import models
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate

from resolutionflow.admin_forms import (
    AccountConsistentForm,
    AccountConsistentUserChangeForm,
    AccountConsistentUserCreationForm,
)
from resolutionflow.json_input import JSONFormField
from resolutionflow.models import Account, LLMCall, RateCount, Team, User, estimate_cost_usd


class ExplainsRefusedDelete:
    """History is protected by RESTRICT foreign keys: a delete they refuse shows Django's list of what still
    refers to the object, and this says what to do instead (`refused_delete_hint`)."""

    refused_delete_hint = ""

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        if protected and self.refused_delete_hint:
            messages.warning(request, self.refused_delete_hint)
        return deleted, model_count, perms_needed, protected


class ReadOnlyAdmin:
    """A record kept as it was (published versions, script generations): read here, never added, changed or
    deleted."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AccountScopedAdmin(ExplainsRefusedDelete, admin.ModelAdmin):
    """Admin for account-owned rows: filter and search by account everywhere, and refer only to rows of the
    same account (`AccountConsistentForm`)."""

    form = AccountConsistentForm
    list_filter = ["account"]
    list_select_related = ["account"]
    search_fields = ["account__name"]
    # JSON typed in the admin: a NUL, NaN or deep nesting is a form error, not a database error (a 500).
    formfield_overrides = {models.JSONField: {"form_class": JSONFormField}}


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    """An Account is never deleted with a click: that would erase an MSP's whole history."""

    list_display = ["name", "slug", "time_zone", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Team)
class TeamAdmin(AccountScopedAdmin):
    """A team is deleted only once nothing is left in it: its flows, proposals, templates, sessions and members
    are reassigned first (the foreign keys refuse otherwise, and the delete page lists what is left)."""

    list_display = ["name", "account", "created_at"]
    search_fields = ["name", "account__name"]
    refused_delete_hint = (
        "This team still has flows, proposals, script templates, sessions or members. Move them to another team "
        "first (their team field), then delete the team."
    )


@admin.register(User)
class UserAdmin(ExplainsRefusedDelete, BaseUserAdmin):
    form = AccountConsistentUserChangeForm  # a user's team is one of their account's
    add_form = AccountConsistentUserCreationForm
    ordering = ["email"]
    refused_delete_hint = (
        "This user's sessions, flows, drafts or reviews are part of the account's history. Deactivate the user "
        "(untick “Active”) instead of deleting them."
    )
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


@admin.register(RateCount)
class RateCountAdmin(admin.ModelAdmin):
    """Rate-limit counts: an operator deletes a row to lift a limit before its window ends."""

    list_display = ["key", "hits", "window_start"]
    search_fields = ["key"]
    readonly_fields = ["key", "window_start", "hits"]

    def has_add_permission(self, request):
        return False
