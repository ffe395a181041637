"""Faults injected for real (tests/faults/checks.py): each test uses its own database and runs serially."""

import pytest

from flowpilot.psa.fake import FakePsa
from tests.faults.checks import HangingServer


@pytest.fixture
def hanging_server():
    with HangingServer() as server:
        yield server


@pytest.fixture
def fake_psa():
    with FakePsa() as fake:
        yield fake
