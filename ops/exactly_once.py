"""What `make load` and `make scale-check` check after their runs: each analysed session sits in exactly the
proposals its analysis made (one, unless the rules decided `none`), so a proposal lost or recorded twice shows.
Imported after django.setup()."""

from collections import Counter


def sessions_not_in_their_proposal(session_ids: list[str]) -> list[str]:
    """The analysed sessions among `session_ids` supporting no proposal though their analysis made one, or
    supporting more than one."""
    from flowpilot.models import AISession
    from knowledge.models import FlowProposal

    analysed = AISession.objects.filter(pk__in=session_ids, analysis_status="completed")
    outcomes = dict(analysed.values_list("pk", "analysis_outcome"))
    accounts = analysed.values("account_id").distinct()
    supporting = FlowProposal.objects.filter(account_id__in=accounts).values_list("supporting_session_ids", flat=True)
    held = Counter(sid for ids in supporting for sid in ids)
    return [str(pk) for pk, outcome in outcomes.items() if held[str(pk)] != (0 if outcome == "none" else 1)]
