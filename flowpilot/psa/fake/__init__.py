"""The fake PSA: one loopback HTTP server speaking ConnectWise PSA, HaloPSA and Autotask, for the tests
and for `manage.py fake_psa` (the demo). See `server.py` for how a test steers it."""

from .seeds import SECRETS, connector_config
from .server import FakePsa
from .store import FakeNote, FakeTicket, FakeTimeEntry

__all__ = ["SECRETS", "FakeNote", "FakePsa", "FakeTicket", "FakeTimeEntry", "connector_config"]
