"""The fake PSA as a real HTTP server on 127.0.0.1 (a free port), fresh for each test that asks for it."""

import pytest

from flowpilot.psa.fake import FakePsa


@pytest.fixture
def fake_psa():
    """A running fake PSA speaking ConnectWise, HaloPSA and Autotask; `fake_psa.config(provider)` reaches it."""
    with FakePsa() as fake:
        yield fake
