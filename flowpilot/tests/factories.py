import factory

from flowpilot.models import AISession
from knowledge.tests.factories import TreeFactory

LOCKOUT_TREE = {
    "id": "root",
    "type": "question",
    "question": "Is the account locked out in Active Directory (ADUC → Account tab)?",
    "children": [
        {
            "id": "locked",
            "label": "Yes, locked out",
            "type": "action",
            "instructions": "Unlock the account in ADUC and run Search-ADAccount -LockedOut.",
            "children": [
                {
                    "id": "unlocked",
                    "label": "Unlocked",
                    "type": "solution",
                    "resolution": "Account unlocked; stale credentials cleared on the user's phone.",
                }
            ],
        },
        {"id": "not-locked", "label": "No", "type": "solution", "resolution": "Reset the password in ADUC."},
        {"id": "unsure", "label": "Can't tell", "type": "solution", "resolution": "Not explored yet.", "open": True},
    ],
}


def lockout_flow(account, **overrides):
    """A flow the intake "AD account locked out..." matches with guided confidence."""
    fields = {
        "name": "AD account locked out",
        "description": "User account locked out in Active Directory: the user can't sign in, the account is locked.",
        "match_keywords": ["locked out", "account locked", "lockout", "4740", "ADUC", "can't sign in"],
        "problem_domain": "active_directory",
        "tree_structure": LOCKOUT_TREE,
    }
    return TreeFactory(account=account, **{**fields, **overrides})


LOCKOUT_INTAKE = "User can't sign in, account locked out in Active Directory again"


class AISessionFactory(factory.django.DjangoModelFactory):
    """A resolved session row, without steps (for tests that need a source or a count, not a walk)."""

    class Meta:
        model = AISession

    account = factory.LazyAttribute(lambda s: s.engineer.account)
    engineer = None
    team = factory.LazyAttribute(lambda s: s.engineer.team)
    intake_content = factory.LazyFunction(lambda: {"text": "Printer offline on floor 2"})
    problem_summary = "Printer offline on floor 2"
    problem_domain = "printing"
    status = "resolved"
    confidence_tier = "discovery"
    resolution_summary = "Restarted the spooler"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """`created_at` is auto_now_add: a given one is written after the insert. The day rollups follow."""
        created_at = kwargs.pop("created_at", None)
        session = super()._create(model_class, *args, **kwargs)
        if created_at is not None:
            model_class.objects.filter(pk=session.pk).update(created_at=created_at)
            session.created_at = created_at
        from flowpilot import rollups

        rollups.refresh_session_day(session)  # as the engine does on every start and close
        return session
