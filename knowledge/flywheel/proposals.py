"""Recording what the flywheel learned: new proposals, merges into similar ones, reinforcement records.

Confidence (documented in the README):
    base                       the LLM's own estimate, or 0.5 for rules
    + 0.10                     the session reached a resolution
    + 0.05 × (rating − 3)      when the engineer rated it (−0.10 … +0.10)
    + 0.02 per step with a finding, at most + 0.10
    + 0.05 per supporting session beyond the first
    capped at 0.95 (and never below 0.05)

Merging: a new `new_flow` or `enhancement` merges into an existing `pending` or `dismissed` proposal of
the same account with the same problem_domain (no domain matches only no domain), type and target, and
(for enhancements) the same departure node, whose title + description embedding has a cosine similarity
above the model's threshold. Merging takes a per-account advisory lock, so concurrent runners never
create two proposals for one group. Lock order, the same in every runner: the session's own row (held for
its whole analysis), then this advisory lock, then proposal rows; nothing that holds the advisory lock
waits for a session row, so two runners cannot deadlock. A dismissed proposal returns to pending once its
support has grown by FLYWHEEL_RESURFACE_GROWTH since it was dismissed.
"""

import threading

from django.conf import settings
from django.db.models import Q
from pgvector.django import CosineDistance

from knowledge.models import FlowProposal, GeneratedBy, ProposalStatus, ProposalType
from resolutionflow.ai.embeddings import get_embedder
from resolutionflow.locks import hold_until_commit

RULES_BASE = 0.5
CAP = 0.95
VECTOR_CACHE_SIZE = 2048  # proposal texts repeat (an enhancement's text is its flow and the change)

_vectors: dict[tuple[str, str], list[float]] = {}  # (model, text) -> vector, oldest first
_vectors_lock = threading.Lock()


def confidence(base: float, session, steps, supporting: int = 1) -> float:
    score = base + 0.10
    if session.rating:
        score += 0.05 * (session.rating - 3)
    findings = sum(1 for s in steps if s.action_result and s.answered_at)
    score += min(0.02 * findings, 0.10)
    score += 0.05 * max(supporting - 1, 0)
    return round(max(0.05, min(score, CAP)), 4)


def merge_threshold(model_name: str) -> float:
    thresholds = settings.FLYWHEEL_MERGE_SIMILARITY
    return thresholds.get(model_name, thresholds["default"])


def proposal_text(envelope: dict, description: str = "") -> str:
    """The text whose embedding decides which proposals are the same problem."""
    return f"{envelope['name'][:255]}. {description or envelope.get('description', '')}"


def embed_texts(texts) -> dict[str, list[float]]:
    """Document vectors for proposal texts: one embedding call for the ones not seen recently."""
    embedder = get_embedder()
    with _vectors_lock:
        found = {t: _vectors[(embedder.model_name, t)] for t in texts if (embedder.model_name, t) in _vectors}
    missing = [t for t in dict.fromkeys(texts) if t not in found]
    fresh = dict(zip(missing, embedder.embed(missing, "document"), strict=True))
    with _vectors_lock:
        for text, vector in fresh.items():
            if len(_vectors) >= VECTOR_CACHE_SIZE:
                _vectors.pop(next(iter(_vectors)))
            _vectors[(embedder.model_name, text)] = vector
    return found | fresh


def recording_sessions(sessions) -> dict[str, FlowProposal]:
    """For each of these sessions already recorded in a proposal (source or support): that proposal."""
    ids = [str(s.pk) for s in sessions]
    if not ids:
        return {}
    found = FlowProposal.objects.filter(
        account_id__in={s.account_id for s in sessions}, supporting_session_ids__has_any_keys=ids
    ).order_by("created_at")
    wanted = set(ids)
    recorded: dict[str, FlowProposal] = {}
    for proposal in found:
        for session_id in wanted.intersection(proposal.supporting_session_ids or []):
            recorded.setdefault(session_id, proposal)
    return recorded


def lock_account(account_id) -> None:
    """A transaction-scoped advisory lock per account: merge decisions are serialised per tenant."""
    hold_until_commit(f"flywheel:{account_id}")


def record(
    session,
    steps,
    *,
    proposal_type: str,
    envelope: dict,
    base: float,
    generated_by: str,
    target_flow=None,
    diff=None,
    description: str = "",
    departure_node_id: str = "",
    vector: list[float] | None = None,
    generalised: list[dict] | None = None,
    kept_rules_reason: str = "",
    llm_operations: list[dict] | None = None,
) -> FlowProposal:
    """Create the proposal, or merge the session into a similar pending/dismissed one. Call in a transaction.
    `vector` is the proposal text's embedding when the caller has it (a runner embeds a batch at once)."""
    title = envelope["name"][:255]
    embedder = get_embedder()
    if vector is None:
        text = proposal_text(envelope, description)
        vector = embed_texts([text])[text]
    if proposal_type == ProposalType.NEW_FLOW:
        domain = envelope.get("problem_domain") or None
    else:
        domain = session.problem_domain or (target_flow.problem_domain if target_flow else None)
    lock_account(session.account_id)
    similar = _similar(
        session.account_id, proposal_type, domain, target_flow, departure_node_id, vector, embedder.model_name
    )
    if similar is not None:
        return _merge(similar, session, steps)
    return FlowProposal.objects.create(
        account_id=session.account_id,
        # An enhancement belongs to its target flow's team (whose admins may publish into it), not the session's.
        team_id=target_flow.team_id if target_flow is not None else session.team_id,
        source_session_id=session.pk,
        proposal_type=proposal_type,
        target_flow=target_flow,
        target_flow_version=target_flow.version if target_flow else None,
        departure_node_id=departure_node_id,
        title=title,
        description=description or envelope.get("description", ""),
        proposed_flow_data=envelope,
        proposed_diff=diff,
        confidence_score=confidence(base, session, steps),
        supporting_session_ids=[str(session.pk)],
        problem_domain=domain,
        generated_by=generated_by,
        embedding=vector,
        embedding_model=embedder.model_name,
        generalised=generalised or [],
        kept_rules_reason=kept_rules_reason,
        llm_operations=llm_operations or [],
    )


def _similar(account_id, proposal_type, domain, target_flow, departure_node_id, vector, model_name):
    candidates = FlowProposal.objects.filter(
        account_id=account_id,
        status__in=[ProposalStatus.PENDING, ProposalStatus.DISMISSED],
        proposal_type=proposal_type,
        embedding_model=model_name,
    )
    candidates = (
        candidates.filter(problem_domain=domain)
        if domain
        else candidates.filter(Q(problem_domain__isnull=True) | Q(problem_domain=""))
    )
    if proposal_type == ProposalType.ENHANCEMENT:
        candidates = candidates.filter(target_flow=target_flow, departure_node_id=departure_node_id)
    best = (
        candidates.annotate(distance=CosineDistance("embedding", vector))
        .order_by("distance")
        .only(
            "id",
            "status",
            "supporting_session_count",
            "supporting_session_ids",
            "confidence_score",
            "support_at_dismissal",
            "generated_by",
        )
        .first()
    )
    if best is None or 1 - best.distance <= merge_threshold(model_name):
        return None
    return best


def _merge(proposal: FlowProposal, session, steps) -> FlowProposal:
    ids = list(proposal.supporting_session_ids or [])
    if str(session.pk) not in ids:
        ids.append(str(session.pk))
    proposal.supporting_session_ids = ids
    proposal.supporting_session_count = len(ids)
    base = RULES_BASE if proposal.generated_by == GeneratedBy.RULES else max(proposal.confidence_score - 0.15, 0.05)
    proposal.confidence_score = max(proposal.confidence_score, confidence(base, session, steps, len(ids)))
    fields = ["supporting_session_ids", "supporting_session_count", "confidence_score"]
    if (
        proposal.status == ProposalStatus.DISMISSED
        and proposal.support_at_dismissal is not None
        and len(ids) - proposal.support_at_dismissal >= settings.FLYWHEEL_RESURFACE_GROWTH
    ):
        proposal.status = ProposalStatus.PENDING
        fields.append("status")
    proposal.save(update_fields=fields)
    return proposal


def reinforce(session, flow) -> FlowProposal:
    """Rule 1's tracking record: no review, no LLM, usage stats untouched (their owner recorded them)."""
    return FlowProposal.objects.create(
        account_id=session.account_id,
        team_id=flow.team_id,
        source_session_id=session.pk,
        proposal_type=ProposalType.ENHANCEMENT,
        status=ProposalStatus.AUTO_REINFORCED,
        target_flow=flow,
        target_flow_version=flow.version,
        title=f"Reinforced: {flow.name}"[:255],
        description=f"Followed exactly to a solution in session {session.pk}.",
        proposed_flow_data=flow.envelope(),
        confidence_score=1.0,
        supporting_session_ids=[str(session.pk)],
        problem_domain=flow.problem_domain,
        generated_by=GeneratedBy.RULES,
    )
