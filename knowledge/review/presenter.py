"""What the Review Queue draws: the list with its tabs and links (every one keeping the filters), a proposal's
detail panel, and the proposed flow: its tree, or for an enhancement the diff on its target flow.

The views (knowledge.review.views) pass these dicts to knowledge/review_queue.html; nothing here writes.
"""

import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.urls import reverse

from knowledge import selectors, sessions
from knowledge.models import GeneratedBy, ProposalStatus, ProposalType
from knowledge.permissions import can_review
from knowledge.presentation import ENVELOPE_LABELS, structure_changes, tree_outline
from knowledge.review.forms import DEFAULTS, SORTS, TABS

PAGE_SIZE = 25
SUPPORTING_SHOWN = 20


def outcome_message(proposal) -> str:
    if proposal.published_flow is not None:
        return f"Published “{proposal.published_flow.name}” as a new flow."
    if proposal.status == ProposalStatus.DISMISSED:
        return "Dismissed. It comes back if more sessions support it."
    return "Rejected. The reason is kept with the proposal."


def queue_url(filters: dict, **changes) -> str:
    """/review/ with the filters that differ from the defaults (short, shareable URLs)."""
    values = {**filters, **changes}
    query = {key: values[key] for key in ("tab", "domain", "sort", "page") if values.get(key) != DEFAULTS[key]}
    if values.get("proposal"):
        query["proposal"] = values["proposal"]
    url = reverse("knowledge:review-queue")
    return f"{url}?{urlencode(query)}" if query else url


def queue_context(user, filters: dict, selected) -> dict:
    """The whole queue; `selected` (a proposal or None) opens beside it."""
    status = "" if filters["tab"] == "all" else filters["tab"]
    queryset = selectors.proposals(user, status=status, domain=filters["domain"], sort=filters["sort"])
    page = Paginator(queryset, PAGE_SIZE).get_page(filters["page"])
    filters = {**filters, "page": page.number}
    cards = [_card(proposal, filters) for proposal in page]
    context = {
        "proposals": page,
        "cards": cards,
        "tabs": tabs(user, filters),
        "domains": settings.PROBLEM_DOMAINS,
        "sorts": SORTS,
        "queue_url": queue_url(filters),
        "clear_url": queue_url(filters, domain="", page=1),
        "previous_url": queue_url(filters, page=page.previous_page_number()) if page.has_previous() else "",
        "next_url": queue_url(filters, page=page.next_page_number()) if page.has_next() else "",
    }
    if selected is None:
        context.update(_links(filters))
    else:
        listed = any(card["proposal"].pk == selected.pk for card in cards)
        context.update(detail_context(user, selected, filters, listed=listed))
    return context


def _links(filters: dict) -> dict:
    return {"filters": filters, "queue_url": queue_url(filters)}


def tabs(user, filters: dict) -> list[dict]:
    """Every tab with its count for the domain filter (one GROUP BY)."""
    counts = selectors.proposal_tab_counts(user, domain=filters["domain"], tabs=[key for key, _ in TABS])
    return [
        {
            "key": key,
            "label": label,
            "count": counts.get(key, 0),
            "url": queue_url(filters, tab=key, page=1),
            "current": key == filters["tab"],
        }
        for key, label in TABS
    ]


def _card(proposal, filters: dict) -> dict:
    return {
        "proposal": proposal,
        "url": queue_url(filters, proposal=proposal.pk),
        "detail_url": reverse("knowledge:review-detail", args=[proposal.pk]) + _query_suffix(filters),
    }


def _query_suffix(filters: dict) -> str:
    """The filters as a query string for the detail and action URLs (the panel links back with them)."""
    query = urlencode({key: value for key, value in filters.items() if value != DEFAULTS[key]})
    return f"?{query}" if query else ""


def detail_context(user, proposal, filters: dict, *, listed: bool = True) -> dict:
    """`listed`: the proposal's card is in the list beside it (an action then redraws the card too)."""
    context = _links(filters)
    context.update(
        {
            "proposal": proposal,
            "card": _card(proposal, filters),
            "selected_id": proposal.pk,
            "can_review": can_review(user, proposal),
            "supporting_sessions": _supporting_sessions(user, proposal),
            "listed": listed,
        }
    )
    context.update(proposed_flow(proposal))
    return context


def _supporting_sessions(user, proposal) -> list:
    ids = []
    for value in proposal.supporting_session_ids or []:
        try:
            ids.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    if len(ids) < 2:
        return []
    return sessions.visible_sessions(user, ids, limit=SUPPORTING_SHOWN)


def proposed_flow(proposal) -> dict:
    """For an enhancement, the change on the target flow (against the version it was made for); for a new flow
    (or an enhancement whose target is gone) the proposed tree."""
    data = proposal.proposed_flow_data if isinstance(proposal.proposed_flow_data, dict) else {}
    structure = data.get("tree_structure")
    if not isinstance(structure, dict):
        return {"unreadable": True}
    target = proposal.target_flow
    if proposal.proposal_type == ProposalType.NEW_FLOW or target is None:
        return {"outline": tree_outline(structure), "target_missing": proposal.proposal_type != ProposalType.NEW_FLOW}
    base = None
    if proposal.target_flow_version is not None:
        base = target.versions.filter(version=proposal.target_flow_version).first()
    base_envelope = base.envelope() if base is not None else target.envelope()
    base_structure = base_envelope["tree_structure"]
    is_procedural = "steps" in structure
    if is_procedural != ("steps" in base_structure) or (
        not is_procedural and structure.get("id") != base_structure.get("id")
    ):
        # Another kind of flow or a new root replaces the whole flow: there is nothing to diff node by node.
        return {"outline": tree_outline(structure), "replaces_target": True}
    changes = structure_changes(base_structure, structure)
    changes["fields"] = [
        {"label": label, "old": base_envelope.get(key), "new": data.get(key)}
        for key, label in ENVELOPE_LABELS.items()
        if key in data and base_envelope.get(key) != data.get(key)
    ]
    return {
        "changes": changes,
        "operations": llm_operations(proposal),
        "base_version": base.version if base is not None else target.version,
        "is_stale": proposal.target_flow_version is not None and target.version != proposal.target_flow_version,
    }


def llm_operations(proposal) -> list[dict]:
    """An LLM-made enhancement's operations in words, in the order they were applied: [{"words", "reason"}]
    (the flywheel words them when it checks them: knowledge.flywheel.enhance_llm)."""
    if proposal.generated_by != GeneratedBy.LLM or not isinstance(proposal.llm_operations, list):
        return []
    return [
        {"words": str(operation["words"]), "reason": str(operation.get("reason") or "")}
        for operation in proposal.llm_operations
        if isinstance(operation, dict) and operation.get("words")
    ]
