"""An account's PSA connection and who each engineer is in that PSA.

Imported by flowpilot/models.py, so the flowpilot app owns these tables and their migrations.

The connection keeps each provider's non-secret settings in columns of their own (shown in the admin and the
settings page) and the provider's secrets in one encrypted blob (`encrypted_secrets`, flowpilot/psa/crypto.py)
that is never shown again after it is saved. `connector_config()` is the one place the blob is opened.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.views.decorators.debug import sensitive_variables

from flowpilot.psa import crypto
from flowpilot.psa.connectors.base import SECRET_SETTINGS, ConnectorConfig, Identity, Provider
from resolutionflow.models import AccountOwned

# Per provider: (ConnectorConfig.settings key, PsaConnection field) for its non-secret settings...
PROVIDER_SETTINGS: dict[Provider, list[tuple[str, str]]] = {
    Provider.CONNECTWISE: [
        ("site", "connectwise_site"),
        ("company_id", "connectwise_company_id"),
        ("client_id", "connectwise_client_id"),
        ("codebase", "connectwise_codebase"),
    ],
    Provider.HALOPSA: [
        ("auth_url", "halopsa_auth_url"),
        ("resource_url", "halopsa_resource_url"),
        ("tenant", "halopsa_tenant"),
    ],
    Provider.AUTOTASK: [
        ("username", "autotask_username"),
        ("zone_lookup_url", "autotask_zone_lookup_url"),
        ("zone_url", "autotask_zone_url"),
        ("impersonate", "autotask_impersonate"),
    ],
}
# ...and the names of its secrets (ConnectorConfig.secrets keys) with their labels.
PROVIDER_SECRETS: dict[Provider, list[tuple[str, str]]] = {
    Provider.CONNECTWISE: [("public_key", "Public key"), ("private_key", "Private key")],
    Provider.HALOPSA: [("client_id", "Client ID"), ("client_secret", "Client secret")],
    Provider.AUTOTASK: [("secret", "Secret"), ("integration_code", "Integration code")],
}
# Secrets a connector reads from ConnectorConfig.settings (the contract's place for them), stored and shown as
# credentials all the same: Autotask's integration code identifies the integration like a key. SECRET_SETTINGS
# (connectors/base.py) names them.
# The Identity fields of each provider, and those of them that name someone (a row naming nobody in the
# connection's provider falls back to the account default).
IDENTITY_FIELDS: dict[Provider, list[str]] = {
    Provider.CONNECTWISE: ["member_id", "member_identifier"],
    Provider.HALOPSA: ["agent_id"],
    Provider.AUTOTASK: ["resource_id", "role_id"],
}
NAMING_FIELDS: dict[Provider, list[str]] = {
    Provider.CONNECTWISE: ["member_id", "member_identifier"],
    Provider.HALOPSA: ["agent_id"],
    Provider.AUTOTASK: ["resource_id"],
}
PROVIDER_CHOICES = [
    (Provider.CONNECTWISE.value, "ConnectWise PSA"),
    (Provider.HALOPSA.value, "HaloPSA"),
    (Provider.AUTOTASK.value, "Autotask"),
]
AUTOTASK_ZONE_LOOKUP_URL = "https://webservices.autotask.net/atservicesrest/v1.0/zoneInformation"


psa_number = RegexValidator(r"^[0-9]+$", "A number, as the PSA shows it.")


class IdentityFields(models.Model):
    """Who acts in the PSA: ConnectWise member, Halo agent, Autotask resource and role (ids as the PSA gives them)."""

    member_id = models.CharField("ConnectWise member id", max_length=50, blank=True, validators=[psa_number])
    member_identifier = models.CharField("ConnectWise member identifier", max_length=100, blank=True)
    agent_id = models.CharField("HaloPSA agent id", max_length=50, blank=True, validators=[psa_number])
    resource_id = models.CharField("Autotask resource id", max_length=50, blank=True, validators=[psa_number])
    role_id = models.CharField("Autotask role id", max_length=50, blank=True, validators=[psa_number])

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        if self.resource_id and not self.role_id:
            raise ValidationError({"role_id": "Autotask logs time with a role: give the resource's role id."})
        if self.role_id and not self.resource_id:
            raise ValidationError({"resource_id": "A role is the role of a resource: give the resource id too."})

    def identity(self, provider: Provider) -> Identity | None:
        """This row's identity in `provider`, or None when it names nobody there."""
        if not any(getattr(self, name) for name in NAMING_FIELDS[Provider(provider)]):
            return None
        return Identity(**{name: getattr(self, name) for name in IDENTITY_FIELDS[Provider(provider)]})


class PsaConnection(AccountOwned, IdentityFields):
    """The account's PSA (one per account); its identity fields are the account default."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    provider = models.CharField(max_length=20, choices=PROVIDER_CHOICES)
    is_enabled = models.BooleanField("enabled", default=True)

    connectwise_site = models.CharField("ConnectWise site", max_length=255, blank=True)
    connectwise_company_id = models.CharField("ConnectWise company id", max_length=100, blank=True)
    connectwise_client_id = models.CharField("ConnectWise clientId", max_length=100, blank=True)
    connectwise_codebase = models.CharField(
        "ConnectWise codebase", max_length=100, blank=True, help_text="Found via /login/companyinfo when blank."
    )
    halopsa_auth_url = models.URLField("HaloPSA authorisation server URL", max_length=300, blank=True)
    halopsa_resource_url = models.URLField("HaloPSA resource server URL", max_length=300, blank=True)
    halopsa_tenant = models.CharField("HaloPSA tenant", max_length=100, blank=True, help_text="Hosted instances only.")
    autotask_username = models.CharField("Autotask API user name", max_length=254, blank=True)
    autotask_zone_lookup_url = models.URLField(
        "Autotask zone-information URL", max_length=300, blank=True, default=AUTOTASK_ZONE_LOOKUP_URL
    )
    autotask_zone_url = models.URLField(
        "Autotask zone URL", max_length=300, blank=True, help_text="Found by the zone lookup when blank."
    )
    autotask_impersonate = models.BooleanField(
        "Autotask: write as the engineer",
        default=False,
        help_text="Notes and time carry the engineer's resource (ImpersonationResourceId); needs the API user's "
        "impersonation permission.",
    )

    encrypted_secrets = models.TextField(blank=True, editable=False, help_text="Fernet token (flowpilot/psa/crypto).")

    last_tested_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_test_ok = models.BooleanField(null=True, editable=False)
    last_test_message = models.CharField(max_length=500, blank=True, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, null=True, blank=True, editable=False, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "PSA connection"
        constraints = [models.UniqueConstraint(fields=["account"], name="uniq_psa_connection_per_account")]

    def __str__(self):
        return f"{self.get_provider_display()} ({self.account})"

    @property
    def has_secrets(self) -> bool:
        return bool(self.encrypted_secrets)

    def provider_settings(self) -> dict[str, str]:
        """The provider's non-secret settings, keyed as ConnectorConfig.settings (blank ones left out)."""
        values = {key: getattr(self, field) for key, field in PROVIDER_SETTINGS[Provider(self.provider)]}
        return {key: "true" if value is True else value for key, value in values.items() if value}

    def apply_settings(self, values: dict[str, str]) -> None:
        """Set the provider's settings from ConnectorConfig.settings keys (the inverse of `provider_settings`)."""
        for key, field in PROVIDER_SETTINGS[Provider(self.provider)]:
            value = values.get(key, "")
            is_flag = isinstance(self._meta.get_field(field), models.BooleanField)
            setattr(self, field, str(value).lower() == "true" if is_flag else value)

    @sensitive_variables()
    def apply_config(self, config: ConnectorConfig) -> None:
        """Take a ConnectorConfig's settings and secrets (the demo's and the tests' way to point at a fake PSA)."""
        self.provider = Provider(config.provider).value
        self.apply_settings(config.settings)
        in_settings = SECRET_SETTINGS.get(Provider(self.provider), set())
        self.set_secrets({**config.secrets, **{k: v for k, v in config.settings.items() if k in in_settings}})

    @sensitive_variables()
    def secrets(self) -> dict[str, str]:
        """The decrypted secrets; `PsaCredentialsUnreadable` / `PsaUnavailable` when they cannot be opened."""
        return crypto.decrypt_secrets(self.encrypted_secrets)

    @sensitive_variables()
    def set_secrets(self, secrets: dict[str, str]) -> None:
        self.encrypted_secrets = crypto.encrypt_secrets(secrets)

    @sensitive_variables()
    def connector_config(self, *, timeout_seconds: float | None = None) -> ConnectorConfig:
        stored = self.secrets()
        in_settings = SECRET_SETTINGS.get(Provider(self.provider), set())
        return ConnectorConfig(
            provider=Provider(self.provider),
            settings={**self.provider_settings(), **{k: v for k, v in stored.items() if k in in_settings}},
            secrets={name: value for name, value in stored.items() if name not in in_settings},
            timeout_seconds=timeout_seconds if timeout_seconds is not None else settings.PSA_TIMEOUT_SECONDS,
        )

    def default_identity(self) -> Identity | None:
        return self.identity(self.provider)

    def identity_for(self, user) -> Identity | None:
        """Who `user` is in this PSA: their own mapping when it names them there, else the account default
        (None when neither does: the PSA then attributes the work to the API user)."""
        mapping = PsaUserIdentity.objects.filter(account_id=self.account_id, user=user).first()
        mapped = mapping.identity(self.provider) if mapping is not None else None
        return mapped or self.default_identity()


class PsaUserIdentity(AccountOwned, IdentityFields):
    """One engineer of the account in the PSA, so tickets and time belong to whoever did the work."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "PSA user identity"
        verbose_name_plural = "PSA user identities"
        constraints = [models.UniqueConstraint(fields=["user"], name="uniq_psa_identity_per_user")]

    def __str__(self):
        return f"{self.user} in the PSA"
