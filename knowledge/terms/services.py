"""The account's generalisation terms: names its admins list as client-specific (flywheel proposals replace them)."""

from django.db import transaction

from knowledge.models import GeneralisationTerm
from resolutionflow.locks import hold_until_commit


def account_terms(account):
    return GeneralisationTerm.objects.filter(account=account).order_by("term")


def add_term(account, *, term: str, replacement: str) -> GeneralisationTerm:
    """Add or update a term (one row per term, compared without case). Two admins adding the same term at
    once: the second waits for the first and updates its row."""
    with transaction.atomic():
        hold_until_commit(f"generalisation-terms:{account.pk}")
        existing = GeneralisationTerm.objects.filter(account=account, term__iexact=term).first()
        if existing is not None:
            existing.term, existing.replacement = term, replacement
            existing.save(update_fields=["term", "replacement"])
            return existing
        return GeneralisationTerm.objects.create(account=account, term=term, replacement=replacement)


def remove_term(account, pk: int) -> bool:
    deleted, _ = GeneralisationTerm.objects.filter(account=account, pk=pk).delete()
    return bool(deleted)
