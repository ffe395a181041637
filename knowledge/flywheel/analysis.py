"""`analyze_session(facts)`: apply the rule table and record what the session teaches.

The flywheel reads a session only as the plain value knowledge defines (`facts.SessionFacts`, built by
flowpilot's analysis queue). The work is split in two so a runner can build a whole claimed batch before
it locks each session: `prepare(sessions)` reads what every session needs (in a few queries for the
batch), builds each rules proposal and embeds all their texts in one call; `analyze_session(session,
prepared)` then only writes (a proposal, a merge or a reinforcement record). Called alone, it prepares
itself.
"""

from dataclasses import dataclass, field

from knowledge.flywheel import builder, proposals, rules
from knowledge.flywheel.enhance_llm import Attempt, improve_enhancement
from knowledge.flywheel.facts import SessionFacts
from knowledge.flywheel.generalise import Generaliser
from knowledge.flywheel.llm import improve_new_flow
from knowledge.models import FlowProposal, GeneralisationTerm, GeneratedBy, ProposalType


@dataclass(frozen=True)
class Outcome:
    outcome: str
    reason: str
    proposal: FlowProposal | None = None


@dataclass(frozen=True)
class Plan:
    """What the rule table decided and, for a proposal, the rules-built envelope."""

    decision: rules.Decision
    proposal_type: str = ""
    envelope: dict | None = None
    description: str = ""
    diff: list | None = None
    departure_node_id: str = ""
    generalised: tuple[dict, ...] = ()  # what became a role word: {"field", "original", "replacement"}

    @property
    def text(self) -> str:
        return proposals.proposal_text(self.envelope, self.description) if self.envelope else ""


@dataclass
class Prepared:
    """One session's analysis inputs, read and built before its row is locked."""

    steps: list
    plan: Plan | None
    error: Exception | None = None  # building the plan failed: analysing the session raises it
    recorded: FlowProposal | None = None  # a proposal that already holds this session
    vectors: dict = field(default_factory=dict)  # proposal text -> embedding (shared by the batch)


def generaliser_for(session: SessionFacts, terms: dict | None = None) -> Generaliser:
    """What this session's client specifics are: its client and device, its people, the names the account
    knows, and the admins' term list (`terms`, {term: replacement}; read here when not given)."""
    if terms is None:
        terms = terms_by_account([session.account_id]).get(session.account_id, {})
    return Generaliser(
        names=(session.client_name, *session.known_names),
        people=session.people,
        terms=terms,
        hosts=(session.device,),
    )


def terms_by_account(account_ids) -> dict:
    """{account id: {term: replacement}} of the admins' generalisation term lists, in one query."""
    terms: dict = {}
    for account_id, term, replacement in GeneralisationTerm.objects.filter(account_id__in=set(account_ids)).values_list(
        "account_id", "term", "replacement"
    ):
        terms.setdefault(account_id, {})[term] = replacement
    return terms


def plan_session(session: SessionFacts, steps, terms: dict | None = None) -> Plan:
    """Decide by the rule table and build the rules proposal (no writes, no LLM, no embedding)."""
    decision = rules.decide(session, steps)
    if decision.outcome in (rules.ENHANCEMENT, rules.NEW_FLOW):
        generaliser = generaliser_for(session, terms)
    if decision.outcome == rules.ENHANCEMENT:
        departure = rules.departure_node(session, steps)
        built = builder.enhancement(session.matched_flow, session, steps, departure, generaliser)
        if built is not None:
            return Plan(
                decision,
                ProposalType.ENHANCEMENT,
                built["envelope"],
                built["description"],
                diff=built["diff"],
                departure_node_id=departure,
                generalised=tuple(generaliser.record()),
            )
        decision = rules.Decision(rules.NEW_FLOW, 3, "The node it left is no longer in the flow: a new flow.")
    if decision.outcome == rules.NEW_FLOW:
        envelope = builder.new_flow_envelope(session, steps, generaliser)
        return Plan(
            decision,
            ProposalType.NEW_FLOW,
            envelope,
            envelope["description"],
            generalised=tuple(generaliser.record()),
        )
    return Plan(decision)


def prepare(sessions) -> dict:
    """Inputs for each session's analysis, keyed by session id: a few queries and one embedding call in all.

    A session whose plan cannot be built keeps the error: its own analysis raises it, so the failure is
    recorded on that session alone.
    """
    sessions = list(sessions)
    recorded = proposals.recording_sessions(sessions)
    terms = terms_by_account(s.account_id for s in sessions)
    prepared = {}
    for session in sessions:
        steps = list(session.steps)
        try:
            plan = plan_session(session, steps, terms.get(session.account_id, {}))
            prepared[session.pk] = Prepared(steps, plan, recorded=recorded.get(str(session.pk)))
        except Exception as exc:  # raised again when this session is analysed
            prepared[session.pk] = Prepared(steps, None, error=exc)
    texts = sorted({p.plan.text for p in prepared.values() if p.plan and p.plan.text and p.recorded is None})
    vectors = proposals.embed_texts(texts)
    for item in prepared.values():
        item.vectors = vectors
    return prepared


def analyze_session(session: SessionFacts, prepared: Prepared | None = None) -> Outcome:
    """Record what the session teaches. Safe to repeat: a session already recorded in a proposal (as its
    source or a supporting session) adds nothing new. Call in a transaction."""
    prepared = prepared or prepare([session])[session.pk]
    if prepared.error is not None:
        raise prepared.error
    plan, steps = prepared.plan, prepared.steps
    decision = plan.decision
    if decision.outcome == rules.NONE:
        return Outcome(rules.NONE, decision.reason)
    if prepared.recorded is not None:
        return Outcome(decision.outcome, f"{decision.reason} (already recorded)", prepared.recorded)
    if decision.outcome == rules.AUTO_REINFORCED:
        return Outcome(decision.outcome, decision.reason, proposals.reinforce(session, session.matched_flow))
    envelope, base, generated_by = plan.envelope, proposals.RULES_BASE, GeneratedBy.RULES
    if plan.proposal_type == ProposalType.NEW_FLOW:
        improved = improve_new_flow(session, envelope, plan.generalised)
        if improved is not None:
            envelope, base = improved
            generated_by = GeneratedBy.LLM
    attempt = Attempt()
    if plan.proposal_type == ProposalType.ENHANCEMENT:
        attempt = improve_enhancement(session, steps, plan, make_generaliser=lambda: generaliser_for(session))
    description = envelope["description"] if plan.proposal_type == ProposalType.NEW_FLOW else plan.description
    diff, operations = plan.diff, None
    if attempt.enhanced is not None:  # the LLM's operations passed every check: its version replaces the rules'
        envelope, base, generated_by = attempt.enhanced.envelope, attempt.enhanced.confidence, GeneratedBy.LLM
        description, diff, operations = attempt.enhanced.description, attempt.enhanced.diff, attempt.enhanced.operations
    enhancement = plan.proposal_type == ProposalType.ENHANCEMENT
    proposal = proposals.record(
        session,
        steps,
        proposal_type=plan.proposal_type,
        envelope=envelope,
        base=base,
        generated_by=generated_by,
        target_flow=session.matched_flow if enhancement else None,
        diff=diff,
        description=description,
        departure_node_id=plan.departure_node_id,
        vector=prepared.vectors.get(proposals.proposal_text(envelope, description)),
        generalised=list(plan.generalised),
        kept_rules_reason=attempt.reason,
        llm_operations=operations,
    )
    return Outcome(decision.outcome, decision.reason, proposal)
