"""Demo knowledge: the starter library for Northwind, a handful of flows for Contoso (isolation shows)."""

from django.db.models import F

from knowledge.models import FlowProposal, ProposalStatus
from knowledge.starter import import_starter_library
from resolutionflow.models import Account, User

CONTOSO_FLOWS = {
    "ad-account-lockout",
    "printing-printer-offline",
    "vpn-cannot-connect",
    "m365-mfa-sign-in",
    "exchange-outlook-password-prompts",
}


def seed(accounts: dict[str, Account]) -> str:
    northwind_owner = User.objects.filter(email="owner@northwind.test").first()
    created = import_starter_library(accounts["northwind"], northwind_owner)
    created += import_starter_library(accounts["contoso"], None, slugs=CONTOSO_FLOWS)
    return f"{len(created)} starter flows imported" if created else "starter flows already there"


def park_one_proposal(account: Account) -> None:
    """Park one pending proposal as dismissed (the review queue shows all states from the first `make run`)."""
    proposals = FlowProposal.objects.for_account(account)
    if proposals.filter(status=ProposalStatus.DISMISSED).exists():
        return
    parked = proposals.filter(status=ProposalStatus.PENDING).order_by("confidence_score", "created_at").first()
    if parked is not None:
        proposals.filter(pk=parked.pk).update(
            status=ProposalStatus.DISMISSED,
            support_at_dismissal=F("supporting_session_count"),
            reviewer_notes="Parked in the demo: not actionable yet.",
        )
