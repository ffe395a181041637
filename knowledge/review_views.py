"""The Review Queue pages: the list of flow proposals with its detail panel, and the review actions.

One template, knowledge/review_queue.html, with its pieces: `queue` (tabs, filters, cards and the detail,
swapped when a filter changes), `detail` (swapped when a card is opened or an action answers), `card` and
`tabs` (sent out of band after an action, so the card and the counts show the new status).
Filters and the selected proposal live in the URL: /review/?tab=&domain=&sort=&page=&proposal=<id>.
Every action calls `knowledge.review`; a refusal answers with a warning toast and swaps nothing.
"""

import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from knowledge import review, selectors, sessions
from knowledge.apps import REVIEW_BADGE
from knowledge.errors import InvalidEnvelope, ProposalNotPending, UseModify
from knowledge.models import ProposalStatus, ProposalType
from knowledge.permissions import can_review
from knowledge.presentation import ENVELOPE_LABELS, structure_changes, tree_outline
from resolutionflow.htmx import toast
from resolutionflow.navigation import send_badges
from resolutionflow.tenancy import account_member_required

TEMPLATE = "knowledge/review_queue.html"
PAGE_SIZE = 25
SUPPORTING_SHOWN = 20
TABS = [
    ("pending", "Pending"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("dismissed", "Dismissed"),
    ("all", "All"),
]
SORTS = [("newest", "Newest"), ("confidence", "Highest confidence"), ("support", "Most support")]
DEFAULTS = {"tab": "pending", "domain": "", "sort": "newest", "page": 1}
ALREADY_REVIEWED = "This proposal was already reviewed."
REASON_NEEDED = "Say why you reject it: the reason is kept with the proposal."
USE_EDIT = "An enhancement is published with Edit & Publish, not approved as is."


# ── Pages ───────────────────────────────────────────────────────────────────────────────────────────


@account_member_required
def review_queue(request):
    """The queue; `?proposal=<id>` opens that proposal beside the list (404 outside the account)."""
    filters = _filters(request.GET)
    selected = _proposal_param(request)
    context = _queue_context(request, filters, selected)
    return render(request, f"{TEMPLATE}#queue" if _is_piece_request(request) else TEMPLATE, context)


@account_member_required
def proposal_detail(request, pk):
    """The detail panel for htmx (a card opened); the whole queue page with it selected for a direct visit."""
    proposal = selectors.proposal(request.user, pk)
    filters = _filters(request.GET)
    if _is_piece_request(request):
        return render(request, f"{TEMPLATE}#detail", _detail_context(request, proposal, filters))
    return render(request, TEMPLATE, _queue_context(request, filters, proposal))


# ── Actions ─────────────────────────────────────────────────────────────────────────────────────────


@require_POST
@account_member_required
def proposal_approve(request, pk):
    return _review(request, pk, "approve")


@require_POST
@account_member_required
def proposal_dismiss(request, pk):
    return _review(request, pk, "dismiss")


@require_POST
@account_member_required
def proposal_reject(request, pk):
    return _review(request, pk, "reject")


@require_POST
@account_member_required
def proposal_edit(request, pk):
    """Edit & Publish: a draft of the proposal's flow in the editor, whose Publish reviews it as `modify`."""
    proposal = selectors.proposal(request.user, pk)
    filters = _filters(request.POST)
    _require_reviewer(request, proposal)
    try:
        draft = review.start_review_draft(proposal, request.user)
    except ProposalNotPending:
        return _refused(request, proposal, filters, ALREADY_REVIEWED, status=409)
    url = reverse("knowledge:draft-edit", args=[draft.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _review(request, pk, action: str):
    proposal = selectors.proposal(request.user, pk)
    filters = _filters(request.POST)
    _require_reviewer(request, proposal)
    notes = request.POST.get("reviewer_notes", "").strip()[:2000]
    if action == "reject" and not notes:
        return _refused(request, proposal, filters, REASON_NEEDED)
    try:
        reviewed = review.review_proposal(proposal, reviewer=request.user, action=action, reviewer_notes=notes or None)
    except ProposalNotPending:
        return _refused(request, proposal, filters, ALREADY_REVIEWED, status=409)
    except UseModify:
        return _refused(request, proposal, filters, USE_EDIT)
    except InvalidEnvelope as exc:
        message = f"The proposed flow is not valid ({exc.message}). Use Edit & Publish to fix it."
        return _refused(request, proposal, filters, message)
    message = _outcome_message(reviewed)
    if not request.htmx:
        messages.success(request, message)
        return redirect(_queue_url(filters, proposal=reviewed.pk))
    proposal = selectors.proposal(request.user, pk)
    listed = request.POST.get("listed") == "1"
    context = _detail_context(request, proposal, filters, listed=listed)
    context["tabs"] = _tabs(filters, _tab_counts(request.user, filters["domain"]))
    pieces = ("detail", "card", "tabs") if listed else ("detail", "tabs")
    html = "".join(
        render_to_string(f"{TEMPLATE}#{piece}", {**context, "oob": piece != "detail"}, request=request)
        for piece in pieces
    )
    return send_badges(toast(HttpResponse(html), message), request, REVIEW_BADGE)


def _outcome_message(proposal) -> str:
    if proposal.published_flow is not None:
        return f"Published “{proposal.published_flow.name}” as a new flow."
    if proposal.status == ProposalStatus.DISMISSED:
        return "Dismissed. It comes back if more sessions support it."
    return "Rejected. The reason is kept with the proposal."


def _require_reviewer(request, proposal) -> None:
    if not can_review(request.user, proposal):
        raise PermissionDenied("Team admins review their team's and team-less proposals; owners review all.")


def _refused(request, proposal, filters: dict, message: str, status: int = 400):
    """A refusal changes nothing on the page: htmx swaps no 4xx response, the toast (HX-Trigger) explains.
    The sidebar's count comes along: "already reviewed" means someone else just changed it."""
    if request.htmx:
        return send_badges(toast(HttpResponse(status=status), message, level="warning"), request, REVIEW_BADGE)
    messages.warning(request, message)
    return redirect(_queue_url(filters, proposal=proposal.pk))


# ── What the template draws ─────────────────────────────────────────────────────────────────────────


def _is_piece_request(request) -> bool:
    """An htmx swap of a piece; a boosted navigation or a history restore wants the whole page."""
    return bool(request.htmx) and not request.htmx.boosted and not request.htmx.history_restore_request


def _filters(params) -> dict:
    tab = params.get("tab", "")
    domain = params.get("domain", "")
    sort = params.get("sort", "")
    try:
        page = max(1, int(params.get("page", 1)))
    except (TypeError, ValueError):
        page = 1
    return {
        "tab": tab if tab in dict(TABS) else DEFAULTS["tab"],
        "domain": domain if domain in settings.PROBLEM_DOMAINS or domain == "unknown" else "",
        "sort": sort if sort in dict(SORTS) else DEFAULTS["sort"],
        "page": page,
    }


def _queue_url(filters: dict, **changes) -> str:
    """/review/ with the filters that differ from the defaults (short, shareable URLs)."""
    values = {**filters, **changes}
    query = {key: values[key] for key in ("tab", "domain", "sort", "page") if values.get(key) != DEFAULTS[key]}
    if values.get("proposal"):
        query["proposal"] = values["proposal"]
    url = reverse("knowledge:review-queue")
    return f"{url}?{urlencode(query)}" if query else url


def _filter_query(filters: dict) -> str:
    """The filters as a query string for the detail and action URLs (the panel links back with them)."""
    return urlencode({key: value for key, value in filters.items() if value != DEFAULTS[key]})


def _proposal_param(request):
    pk = request.GET.get("proposal", "")
    return selectors.proposal(request.user, pk) if pk else None


def _queue_context(request, filters: dict, selected) -> dict:
    status = "" if filters["tab"] == "all" else filters["tab"]
    queryset = selectors.proposals(request.user, status=status, domain=filters["domain"], sort=filters["sort"])
    page = Paginator(queryset, PAGE_SIZE).get_page(filters["page"])
    filters = {**filters, "page": page.number}
    cards = [_card(proposal, filters) for proposal in page]
    context = {
        "proposals": page,
        "cards": cards,
        "tabs": _tabs(filters, _tab_counts(request.user, filters["domain"])),
        "domains": settings.PROBLEM_DOMAINS,
        "sorts": SORTS,
        "queue_url": _queue_url(filters),
        "clear_url": _queue_url(filters, domain="", page=1),
        "previous_url": _queue_url(filters, page=page.previous_page_number()) if page.has_previous() else "",
        "next_url": _queue_url(filters, page=page.next_page_number()) if page.has_next() else "",
    }
    if selected is None:
        context.update(_links(filters))
    else:
        listed = any(card["proposal"].pk == selected.pk for card in cards)
        context.update(_detail_context(request, selected, filters, listed=listed))
    return context


def _links(filters: dict) -> dict:
    return {"filters": filters, "queue_url": _queue_url(filters)}


def _tabs(filters: dict, counts: dict) -> list[dict]:
    return [
        {
            "key": key,
            "label": label,
            "count": counts.get(key, 0),
            "url": _queue_url(filters, tab=key, page=1),
            "current": key == filters["tab"],
        }
        for key, label in TABS
    ]


def _card(proposal, filters: dict) -> dict:
    return {
        "proposal": proposal,
        "url": _queue_url(filters, proposal=proposal.pk),
        "detail_url": reverse("knowledge:review-detail", args=[proposal.pk]) + _query_suffix(filters),
    }


def _query_suffix(filters: dict) -> str:
    query = _filter_query(filters)
    return f"?{query}" if query else ""


def _tab_counts(user, domain: str) -> dict:
    """Every tab's count for the domain filter, from one GROUP BY (an index-only scan without a domain).

    A `proposal_tab_counts` selector would own this; selectors.py has none yet."""
    rows = selectors.proposals(user, domain=domain).order_by().values("status").annotate(count=Count("status"))
    by_status = {row["status"]: row["count"] for row in rows}
    counts = {
        key: sum(by_status.get(status, 0) for status in statuses)
        for key, statuses in selectors.PROPOSAL_TABS.items()
        if key in dict(TABS)
    }
    return {**counts, "all": sum(by_status.values())}


def _detail_context(request, proposal, filters: dict, *, listed: bool = True) -> dict:
    """`listed`: the proposal's card is in the list beside it (an action then redraws the card too)."""
    context = _links(filters)
    context.update(
        {
            "proposal": proposal,
            "card": _card(proposal, filters),
            "selected_id": proposal.pk,
            "can_review": can_review(request.user, proposal),
            "supporting_sessions": _supporting_sessions(request.user, proposal),
            "listed": listed,
        }
    )
    context.update(_proposed_flow(proposal))
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
    return sessions.visible_sessions(user, ids, SUPPORTING_SHOWN)


def _proposed_flow(proposal) -> dict:
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
        "base_version": base.version if base is not None else target.version,
        "is_stale": proposal.target_flow_version is not None and target.version != proposal.target_flow_version,
    }
