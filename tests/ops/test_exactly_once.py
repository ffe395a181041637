"""The check `make load` and `make scale-check` run after their runs: each analysed session sits in exactly
the proposals its analysis made."""

from flowpilot.tests.factories import AISessionFactory
from knowledge.models import FlowProposal
from knowledge.tests.factories import ProposalFactory
from ops.exactly_once import sessions_not_in_their_proposal, supporting_counts


def analysed(engineer, outcome: str):
    return AISessionFactory(engineer=engineer, analysis_status="completed", analysis_outcome=outcome)


def test_a_session_missing_from_its_proposal_or_in_two_is_reported(northwind_engineer, contoso_owner):
    kept = ProposalFactory(engineer=northwind_engineer).source_session
    kept.analysis_status, kept.analysis_outcome = "completed", "new_flow"
    kept.save()
    lost = analysed(northwind_engineer, "enhancement")  # its analysis made a proposal nobody holds
    nothing = analysed(northwind_engineer, "none")  # the rules made none: none is right
    twice = analysed(northwind_engineer, "new_flow")
    ProposalFactory(engineer=northwind_engineer, supporting_session_ids=[str(twice.pk)])
    ProposalFactory(engineer=northwind_engineer, supporting_session_ids=[str(twice.pk), str(kept.pk)])
    pending = AISessionFactory(engineer=northwind_engineer, analysis_status="pending")  # not analysed yet
    elsewhere = analysed(contoso_owner, "auto_reinforced")
    ProposalFactory(engineer=contoso_owner, supporting_session_ids=[str(elsewhere.pk)])

    ids = [str(s.pk) for s in (kept, lost, nothing, twice, pending, elsewhere)]

    held = supporting_counts(FlowProposal.objects.all())

    assert sorted(sessions_not_in_their_proposal(ids, held)) == sorted([str(lost.pk), str(twice.pk), str(kept.pk)])
