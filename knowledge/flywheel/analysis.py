"""`analyze_session(session)`: apply the rule table and record what the session teaches."""

from dataclasses import dataclass

from django.db import transaction

from knowledge.flywheel import builder, proposals, rules
from knowledge.flywheel.llm import improve_new_flow
from knowledge.models import FlowProposal, GeneratedBy, ProposalType


@dataclass(frozen=True)
class Outcome:
    outcome: str
    reason: str
    proposal: FlowProposal | None = None


def analyze_session(session) -> Outcome:
    """Decide by the rule table, then build and record. Safe to repeat: a session already recorded in a
    proposal (as its source or a supporting session) adds nothing new."""
    steps = list(session.steps.select_related("flow").order_by("order"))
    decision = rules.decide(session, steps)
    if decision.outcome == rules.NONE:
        return Outcome(rules.NONE, decision.reason)
    existing = (
        FlowProposal.objects.filter(account_id=session.account_id)
        .filter(supporting_session_ids__contains=[str(session.pk)])
        .first()
    )
    if existing is not None:
        return Outcome(decision.outcome, f"{decision.reason} (already recorded)", existing)
    flow = session.matched_flow
    if decision.outcome == rules.AUTO_REINFORCED:
        return Outcome(decision.outcome, decision.reason, proposals.reinforce(session, flow))
    if decision.outcome == rules.ENHANCEMENT:
        departure = rules.departure_node(session, steps)
        built = builder.enhancement(flow, session, steps, departure)
        if built is not None:
            proposal = proposals.record(
                session,
                steps,
                proposal_type=ProposalType.ENHANCEMENT,
                envelope=built["envelope"],
                base=proposals.RULES_BASE,
                generated_by=GeneratedBy.RULES,
                target_flow=flow,
                diff=built["diff"],
                description=built["description"],
                departure_node_id=departure,
            )
            return Outcome(decision.outcome, decision.reason, proposal)
        decision = rules.Decision(rules.NEW_FLOW, 3, "The node it left is no longer in the flow: a new flow.")
    envelope = builder.new_flow_envelope(session, steps)
    base, generated_by = proposals.RULES_BASE, GeneratedBy.RULES
    improved = improve_new_flow(session, envelope)
    if improved is not None:
        envelope, base = improved
        generated_by = GeneratedBy.LLM
    proposal = proposals.record(
        session,
        steps,
        proposal_type=ProposalType.NEW_FLOW,
        envelope=envelope,
        base=base,
        generated_by=generated_by,
        description=envelope["description"],
    )
    return Outcome(rules.NEW_FLOW, decision.reason, proposal)


def analyze_in_transaction(session) -> Outcome:
    with transaction.atomic():
        return analyze_session(session)
