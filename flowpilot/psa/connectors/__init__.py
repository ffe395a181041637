"""One connector per PSA provider; `base` holds the contract they share.

`connector_for(config)` is the only way the rest of the product gets a connector. `transport` lets a
test hand in an `httpx.MockTransport`; tests of the product use the fake PSA server instead.
"""

from __future__ import annotations

import httpx

from .autotask import AutotaskConnector
from .base import Connector, ConnectorConfig, Provider, PsaConfigError
from .connectwise import ConnectWiseConnector
from .halopsa import HaloPsaConnector

CONNECTORS = {
    Provider.CONNECTWISE: ConnectWiseConnector,
    Provider.HALOPSA: HaloPsaConnector,
    Provider.AUTOTASK: AutotaskConnector,
}


def connector_for(config: ConnectorConfig, *, transport: httpx.BaseTransport | None = None) -> Connector:
    """The connector for `config.provider`; a missing or malformed setting raises PsaConfigError."""
    try:
        connector_class = CONNECTORS[Provider(config.provider)]
    except ValueError:
        raise PsaConfigError(f"Unknown PSA provider {str(config.provider)[:40]!r}.") from None
    return connector_class(config, transport=transport)
