"""Demo knowledge: the starter library for Northwind, a handful of flows for Contoso (isolation shows)."""

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
