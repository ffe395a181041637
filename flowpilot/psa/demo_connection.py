"""The demo account's PSA connection: ConnectWise, at the fake PSA that `make run` starts on 127.0.0.1:8765.

Northwind's demo engineers are mapped to the fake's members (Alex and Sam); anyone else acts as the account
default (Alex's member), so every demo login can pick a ticket, resolve, and see the note and time entry land
on the fake's page. Made once: a connection an owner changed is kept on the next `seed_demo`, unless its
credentials can no longer be read (the PSA key of this checkout changed), when the demo's are saved again.
"""

from flowpilot.errors import PsaCredentialsUnreadable, PsaUnavailable
from flowpilot.psa import connection as connections
from flowpilot.psa import crypto
from flowpilot.psa.connectors.base import Identity, Provider
from flowpilot.psa.fake import connector_config
from flowpilot.psa.fake.seeds import COLLEAGUE, ENGINEER
from flowpilot.psa.models import PsaConnection
from resolutionflow.models import User

DEMO_PSA_URL = "http://127.0.0.1:8765"
ACCOUNT = "northwind"
IDENTITIES = {"alex@northwind.test": ENGINEER, "sam@northwind.test": COLLEAGUE}


def seed(accounts) -> str:
    account = accounts[ACCOUNT]
    if not crypto.is_available():
        return "PSA connection skipped: PSA_ENCRYPTION_KEYS is not set"
    existing = connections.connection_of(account)
    if existing is not None:
        try:
            existing.secrets()
            return "PSA connection already there"
        except (PsaCredentialsUnreadable, PsaUnavailable):
            pass
    config = connector_config(Provider.CONNECTWISE, DEMO_PSA_URL)
    connection = existing or PsaConnection(account=account)
    connection.is_enabled = True
    connection.apply_config(config)
    _set_identity(connection, ENGINEER[Provider.CONNECTWISE])
    secrets = connection.secrets()
    connection.encrypted_secrets = ""  # unreadable ones are replaced, not merged
    connections.save_connection(connection, secrets=secrets)
    for user in User.objects.for_account(account).filter(email__in=IDENTITIES):
        identity = IDENTITIES[user.email][Provider.CONNECTWISE]
        connections.save_identity(
            account, user, {"member_id": identity.member_id, "member_identifier": identity.member_identifier}
        )
    return f"PSA connection: ConnectWise at the fake PSA ({DEMO_PSA_URL}), {len(IDENTITIES)} engineers mapped"


def connect_to_fake(account, url: str, provider: Provider = Provider.CONNECTWISE) -> PsaConnection:
    """A saved, enabled connection of `account` to the fake PSA at `url`, acting as the fake's engineer by
    default (the tests', benches' and scale check's way to connect; the demo's is `seed`)."""
    connection = PsaConnection(account=account, is_enabled=True)
    connection.apply_config(connector_config(provider, url))
    _set_identity(connection, ENGINEER[provider])
    connection.save()
    return connection


def _set_identity(row, identity: Identity) -> None:
    for name in ("member_id", "member_identifier", "agent_id", "resource_id", "role_id"):
        setattr(row, name, getattr(identity, name))
