"""Ticket text read from the PSA passes the secret detector like typed text: the intake it pre-fills and the
link's stored summary never hold a secret."""

from flowpilot.psa.connectors.base import Ticket
from flowpilot.psa.links import prefill
from resolutionflow.redaction import MARKER

TICKET = Ticket(
    id="981",
    number="T20261207.0042",
    summary="VPN down, new pw is Summer#2025",
    description="Client says the Wi-Fi PSK is Harbour-Guest-2024 and error 0x80070005 shows",
    company="Harbour Dental",
    status="New",
)


def test_the_intake_a_ticket_fills_in_holds_no_secret_and_keeps_its_look_alikes():
    fields = prefill(TICKET)

    assert "Summer#2025" not in fields["intake"] and "Harbour-Guest-2024" not in fields["intake"]
    assert MARKER in fields["intake"] and "0x80070005" in fields["intake"]
    assert fields["client_name"] == "Harbour Dental" and fields["ticket_id"] == "T20261207.0042"


def test_a_verified_links_summary_holds_no_secret():
    from flowpilot.psa.links import _apply
    from flowpilot.psa.push_models import TicketLink

    link = TicketLink()
    _apply(link, TICKET)

    assert link.summary == f"VPN down, new pw is {MARKER}"
