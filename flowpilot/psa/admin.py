"""The Django admin of PSA connections and identities (registered by flowpilot/admin.py importing this module).

An operator sees the provider and its settings, never the credentials: they are replaced through write-only
password fields (blank keeps them), validated like the owner's settings page (the same `ConnectionForm`). A
connection or identity only ever refers to rows of its own account (`AccountConsistentMixin`).
"""

from django.contrib import admin
from django.db import models
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters

from flowpilot.psa.connectors.base import Provider
from flowpilot.psa.forms import SECRET_FIELDS, ConnectionForm, secret_field
from flowpilot.psa.models import PROVIDER_CHOICES, PROVIDER_SECRETS, PROVIDER_SETTINGS, PsaConnection, PsaUserIdentity
from resolutionflow.admin import AccountScopedAdmin
from resolutionflow.admin_forms import AccountConsistentForm, AccountConsistentMixin


class PsaConnectionAdminForm(AccountConsistentMixin, ConnectionForm):
    class Meta(ConnectionForm.Meta):
        fields = ["account", *ConnectionForm.Meta.fields]


@admin.register(PsaConnection)
class PsaConnectionAdmin(AccountScopedAdmin):
    form = PsaConnectionAdminForm
    formfield_overrides = {**AccountScopedAdmin.formfield_overrides, models.URLField: {"assume_scheme": "https"}}
    list_display = ["account", "provider", "is_enabled", "last_test_ok", "last_tested_at", "updated_at"]
    list_filter = ["provider", "is_enabled", "last_test_ok", "account"]
    readonly_fields = ["credentials", "last_test_ok", "last_test_message", "last_tested_at", "updated_by"]
    fieldsets = [
        (None, {"fields": ["account", "provider", "is_enabled"]}),
        *[
            (
                label,
                {
                    "fields": [field for _key, field in PROVIDER_SETTINGS[Provider(value)]]
                    + [secret_field(value, name) for name, _label in PROVIDER_SECRETS[Provider(value)]],
                    "description": "Credentials are write-only: type a value to replace it, leave blank to keep it.",
                },
            )
            for value, label in PROVIDER_CHOICES
        ],
        (
            "Account default identity",
            {"fields": ["member_id", "member_identifier", "agent_id", "resource_id", "role_id"]},
        ),
        ("State", {"fields": ["credentials", "last_test_ok", "last_test_message", "last_tested_at", "updated_by"]}),
    ]

    @method_decorator(sensitive_post_parameters(*SECRET_FIELDS))
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """Django's error reports never show the typed credentials."""
        return super().changeform_view(request, object_id, form_url, extra_context)

    @admin.display(description="Credentials")
    def credentials(self, obj):
        return "saved (encrypted)" if obj.has_secrets else "none"

    def save_model(self, request, obj, form, change):
        form.save_connection(by=request.user)


class PsaUserIdentityAdminForm(AccountConsistentForm):
    """The user is one of the identity's account (`AccountConsistentForm`); moving the identity to another
    account is refused on the account too, since an identity only ever belongs to its user's account."""

    def clean(self):
        cleaned = super().clean()
        account = cleaned.get("account")
        user = cleaned.get("user") or (self.instance.user if self.instance.user_id else None)  # refused: as saved
        if account and user and user.account_id != account.pk and "account" in self.changed_data:
            self.add_error("account", f"An identity belongs to its user's account ({user.account or 'none'}).")
        return cleaned


@admin.register(PsaUserIdentity)
class PsaUserIdentityAdmin(AccountScopedAdmin):
    form = PsaUserIdentityAdminForm
    list_display = ["user", "account", "member_id", "member_identifier", "agent_id", "resource_id", "role_id"]
    list_select_related = ["account", "user"]
    search_fields = ["user__email", "user__full_name", "account__name"]
    raw_id_fields = ["user"]
