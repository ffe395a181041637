"""What the fake PSA knows at start: its (fake) credentials, its engineers and a few realistic MSP tickets.

`connector_config(provider, base_url)` is the connection settings that reach a fake PSA at
`base_url`, e.g. for the demo account (`manage.py fake_psa` on http://127.0.0.1:8765).
"""

from __future__ import annotations

from dataclasses import dataclass

from flowpilot.psa.connectors.base import ConnectorConfig, Identity, Provider

CW_COMPANY = "northwind"
CW_CODEBASE = "v2026_1/"
CW_CLIENT_ID = "5f1c2a4e-8b7d-4c1e-9a3f-2d6b8e0c4a71"
CW_PUBLIC_KEY = "fakePublicKey7Q2mN"
CW_PRIVATE_KEY = "fakePrivateKey9ZxR4"

HALO_TENANT = "northwind"
HALO_CLIENT_ID = "resolutionflow-demo"
HALO_CLIENT_SECRET = "fake-halo-secret-3Jk8Pq"

AT_USERNAME = "rf-api@northwind.example"
AT_SECRET = "fake-autotask-secret-Wq4Lm"
AT_INTEGRATION_CODE = "FAKEINTEGRATIONCODE42X"

# Every secret value the fake accepts, so a test can assert none of them leaks.
SECRETS = (CW_PUBLIC_KEY, CW_PRIVATE_KEY, HALO_CLIENT_SECRET, AT_SECRET, AT_INTEGRATION_CODE)

ENGINEER = {
    Provider.CONNECTWISE: Identity(member_id="148", member_identifier="alex.rivera"),
    Provider.HALOPSA: Identity(agent_id="7"),
    Provider.AUTOTASK: Identity(resource_id="29682885", role_id="29683461"),
}
COLLEAGUE = {
    Provider.CONNECTWISE: Identity(member_id="152", member_identifier="sam.lee"),
    Provider.HALOPSA: Identity(agent_id="9"),
    Provider.AUTOTASK: Identity(resource_id="29682890", role_id="29683461"),
}
CW_MEMBERS = {"148": "alex.rivera", "152": "sam.lee"}
HALO_AGENTS = {"7": "Alex Rivera", "9": "Sam Lee"}
AT_RESOURCES = {"29682885": {"29683461"}, "29682890": {"29683461"}}


def connector_config(provider: Provider, base_url: str, *, timeout_seconds: float = 10.0) -> ConnectorConfig:
    base_url = base_url.rstrip("/")
    if provider == Provider.CONNECTWISE:
        settings = {"site": base_url, "company_id": CW_COMPANY, "client_id": CW_CLIENT_ID}
        secrets = {"public_key": CW_PUBLIC_KEY, "private_key": CW_PRIVATE_KEY}
    elif provider == Provider.HALOPSA:
        settings = {"auth_url": f"{base_url}/auth", "resource_url": f"{base_url}/api", "tenant": HALO_TENANT}
        secrets = {"client_id": HALO_CLIENT_ID, "client_secret": HALO_CLIENT_SECRET}
    else:
        settings = {
            "username": AT_USERNAME,
            "integration_code": AT_INTEGRATION_CODE,
            "zone_lookup_url": f"{base_url}/atservicesrest/v1.0/zoneInformation",
        }
        secrets = {"secret": AT_SECRET}
    return ConnectorConfig(provider=provider, settings=settings, secrets=secrets, timeout_seconds=timeout_seconds)


@dataclass(frozen=True)
class SeedTicket:
    summary: str
    description_html: str
    company: str
    status: str
    closed: bool
    mine: bool


COMPANIES = {"Contoso Dental": 101, "Fabrikam Legal": 102, "Northwind Traders": 103}

SEED_TICKETS = (
    SeedTicket(
        summary="Outlook keeps asking for a password after the M365 password change",
        description_html=(
            "<p>Since changing her password on <b>Monday</b>, Outlook on Dr. Patel's laptop prompts for "
            "credentials every few minutes.</p><ul><li>Outlook on the web works</li>"
            "<li>Phone mail works</li></ul><p>Laptop: DENT-LT-014, Windows 11</p>"
        ),
        company="Contoso Dental",
        status="New",
        closed=False,
        mine=True,
    ),
    SeedTicket(
        summary="VPN drops every 30 minutes for remote staff",
        description_html=(
            "<p>Three paralegals working from home lose the VPN roughly every half hour and have to "
            "reconnect. Started after Friday's firewall firmware update.</p>"
        ),
        company="Fabrikam Legal",
        status="In Progress",
        closed=False,
        mine=True,
    ),
    SeedTicket(
        summary="Reception printer shows offline",
        description_html="<p>The HP printer at reception shows <i>Offline</i> on every PC since this morning.</p>",
        company="Northwind Traders",
        status="New",
        closed=False,
        mine=False,
    ),
    SeedTicket(
        summary="New starter laptop setup: J. Alvarez",
        description_html="<p>Set up a laptop and a Microsoft 365 account for Jordan Alvarez, starting Monday.</p>",
        company="Contoso Dental",
        status="Complete",
        closed=True,
        mine=True,
    ),
)
