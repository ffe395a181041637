"""Forms of the PSA settings: the connection (per-provider fields, write-only secrets) and an engineer's identity.

`ConnectionForm` is also the Django admin's form (with the account check, flowpilot/admin.py), so a connection
is validated one way wherever it is edited: the chosen provider's fields are required, URLs are https (plain
http only to this machine, for the fake PSA), and a secret is required until one is saved. Secrets are
password inputs that never render a value; the saved ones say "saved — leave blank to keep".
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from flowpilot.errors import PsaUnavailable
from flowpilot.psa import connection as connections
from flowpilot.psa import crypto
from flowpilot.psa.connectors.base import Provider, PsaConfigError
from flowpilot.psa.connectors.http_client import checked_base_url
from flowpilot.psa.models import (
    IDENTITY_FIELDS,
    PROVIDER_CHOICES,
    PROVIDER_SECRETS,
    PROVIDER_SETTINGS,
    PsaConnection,
    PsaUserIdentity,
)

INPUT = {"class": "field-input"}
SAVED = "saved — leave blank to keep"

# Per provider, the settings the owner must fill (the others are optional: found by the connector or a default).
REQUIRED_SETTINGS: dict[Provider, set[str]] = {
    Provider.CONNECTWISE: {"connectwise_site", "connectwise_company_id", "connectwise_client_id"},
    Provider.HALOPSA: {"halopsa_auth_url", "halopsa_resource_url"},
    Provider.AUTOTASK: {"autotask_username", "autotask_zone_lookup_url"},
}
URL_SETTINGS = {"halopsa_auth_url", "halopsa_resource_url", "autotask_zone_lookup_url", "autotask_zone_url"}
DEFAULT_IDENTITY_LABELS = {
    "member_id": "Default ConnectWise member id",
    "member_identifier": "Default ConnectWise member identifier",
    "agent_id": "Default HaloPSA agent id",
    "resource_id": "Default Autotask resource id",
    "role_id": "Default Autotask role id",
}


def check_psa_address(value: str, *, host_allowed: bool = False) -> None:
    """The connectors' own rule (https, plain http only to this machine, where the fake PSA runs; no user name
    or password in it), as a form error. With `host_allowed` a bare host name (ConnectWise's site) is https."""
    if host_allowed and "://" not in value:
        value = f"https://{value}"
    try:
        checked_base_url(value, what="The address")
    except PsaConfigError as error:
        raise ValidationError(str(error)) from None


def https_urls(model_field, **kwargs):
    """Form fields of the model's fields; a URL typed without a scheme is https."""
    if isinstance(model_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return model_field.formfield(**kwargs)


def secret_input(provider: Provider, name: str) -> forms.CharField:
    """A write-only credential field: a password input that never renders a value (blank keeps the saved one)."""
    return forms.CharField(
        label=dict(PROVIDER_SECRETS[provider])[name],
        required=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={**INPUT, "autocomplete": "new-password"}),
    )


def secret_field(provider: Provider | str, name: str) -> str:
    return f"secret_{Provider(provider).value}_{name}"


SECRET_FIELDS = [secret_field(provider, name) for provider, secrets in PROVIDER_SECRETS.items() for name, _ in secrets]


class ConnectionForm(forms.ModelForm):
    """The connection's provider, settings, default identity and write-only secrets (`secret_<provider>_<name>`)."""

    provider = forms.ChoiceField(choices=PROVIDER_CHOICES, widget=forms.Select(INPUT))
    secret_connectwise_public_key = secret_input(Provider.CONNECTWISE, "public_key")
    secret_connectwise_private_key = secret_input(Provider.CONNECTWISE, "private_key")
    secret_halopsa_client_id = secret_input(Provider.HALOPSA, "client_id")
    secret_halopsa_client_secret = secret_input(Provider.HALOPSA, "client_secret")
    secret_autotask_secret = secret_input(Provider.AUTOTASK, "secret")
    secret_autotask_integration_code = secret_input(Provider.AUTOTASK, "integration_code")

    class Meta:
        model = PsaConnection
        fields = [
            "provider",
            "is_enabled",
            *[field for pairs in PROVIDER_SETTINGS.values() for _key, field in pairs],
            *DEFAULT_IDENTITY_LABELS,
        ]
        formfield_callback = https_urls
        help_texts = {"is_enabled": "Off: sessions neither read tickets from the PSA nor push to it."}

    def __init__(self, *args, provider: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if provider in Provider.__members__.values() and not self.is_bound:
            self.initial["provider"] = provider
        self.unavailable = ""  # set by clean(): why no credentials can be saved now (the operator's fix)
        self.saved_provider = self.instance.provider if not self.instance._state.adding else None
        self.saved_secrets = connections.saved_secret_names(self.instance)
        for name, field in self.fields.items():
            if name in DEFAULT_IDENTITY_LABELS:
                field.label = DEFAULT_IDENTITY_LABELS[name]
            if not isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.update(INPUT)
        for provider_choice, secrets in PROVIDER_SECRETS.items():
            for name, _label in secrets:
                if provider_choice == self.saved_provider and name in self.saved_secrets:
                    self.fields[secret_field(provider_choice, name)].widget.attrs["placeholder"] = SAVED

    @property
    def chosen_provider(self) -> Provider:
        value = self["provider"].value()
        return Provider(value) if value in Provider.__members__.values() else Provider.CONNECTWISE

    def fields_of(self, provider: Provider) -> dict[str, list]:
        """The bound fields the page shows for `provider`: settings, secrets and default identity."""
        return {
            "settings": [self[field] for _key, field in PROVIDER_SETTINGS[provider]],
            "secrets": [self[secret_field(provider, name)] for name, _label in PROVIDER_SECRETS[provider]],
            "identity": [self[name] for name in IDENTITY_FIELDS[provider]],
        }

    def is_secret_saved(self, provider: Provider, name: str) -> bool:
        return provider == self.saved_provider and name in self.saved_secrets

    def clean(self):
        cleaned = super().clean()
        provider = cleaned.get("provider")
        if provider not in Provider.__members__.values():
            return cleaned
        provider = Provider(provider)
        for _key, field in PROVIDER_SETTINGS[provider]:
            value = cleaned.get(field)
            value = value.strip() if isinstance(value, str) else value
            if field in REQUIRED_SETTINGS[provider] and not value and field not in self.errors:
                self.add_error(field, "Required for this provider.")
            elif value and field in URL_SETTINGS | {"connectwise_site"}:
                try:
                    check_psa_address(value, host_allowed=field == "connectwise_site")
                except ValidationError as error:
                    self.add_error(field, error)
        for name, _label in PROVIDER_SECRETS[provider]:
            field = secret_field(provider, name)
            if not cleaned.get(field) and not self.is_secret_saved(provider, name):
                self.add_error(field, "Required: no value is saved for this provider.")
        try:  # credentials are always (re-)encrypted on save: without usable keys nothing can be saved
            crypto.check_available()
        except PsaUnavailable as error:
            self.unavailable = error.message
            self.add_error(None, error.message)
        return cleaned

    def typed_secrets(self) -> dict[str, str]:
        """The secrets typed for the chosen provider (blank ones keep the saved value)."""
        provider = Provider(self.cleaned_data["provider"])
        return {
            name: self.cleaned_data.get(secret_field(provider, name), "") for name, _label in PROVIDER_SECRETS[provider]
        }

    def save_connection(self, *, account=None, by=None) -> PsaConnection:
        connection = self.save(commit=False)
        if account is not None:
            connection.account = account
        return connections.save_connection(connection, secrets=self.typed_secrets(), by=by)


class IdentityForm(forms.ModelForm):
    """One engineer's identity in the connection's provider (the other providers' fields are kept)."""

    class Meta:
        model = PsaUserIdentity
        fields = ["member_id", "member_identifier", "agent_id", "resource_id", "role_id"]

    def __init__(self, *args, provider: Provider, **kwargs):
        super().__init__(*args, **kwargs)
        self.provider = Provider(provider)
        for name in list(self.fields):
            if name not in IDENTITY_FIELDS[self.provider]:
                del self.fields[name]
            else:
                self.fields[name].widget.attrs.update(INPUT)
