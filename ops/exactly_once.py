"""What `make load` and `make scale-check` check after their runs: each analysed session sits in exactly the
proposals its analysis made (one, unless the rules decided `none`), so a proposal lost or recorded twice shows.
Imported after django.setup()."""

from collections import Counter


def supporting_counts(proposals) -> Counter:
    """{session id: how many of `proposals` (a FlowProposal queryset) it supports}."""
    return Counter(sid for ids in proposals.values_list("supporting_session_ids", flat=True) for sid in ids)


def sessions_not_in_their_proposal(session_ids: list[str], held: Counter) -> list[str]:
    """The analysed sessions among `session_ids` supporting no proposal though their analysis made one, or
    supporting more than one; `held` is `supporting_counts` of their accounts' proposals."""
    from flowpilot.models import AISession

    analysed = AISession.objects.filter(pk__in=session_ids, analysis_status="completed")
    outcomes = analysed.values_list("pk", "analysis_outcome")
    return [str(pk) for pk, outcome in outcomes if held[str(pk)] != (0 if outcome == "none" else 1)]
