"""The Review Queue pages: the list of flow proposals with its detail panel, and the review actions.

One template, knowledge/review_queue.html, with its pieces: `queue` (tabs, filters, cards and the detail,
swapped when a filter changes), `detail` (swapped when a card is opened or an action answers), `card` and
`tabs` (sent out of band after an action, so the card and the counts show the new status).
Filters and the selected proposal live in the URL: /review/?tab=&domain=&sort=&page=&proposal=<id>.
Every action calls the review service; a refusal follows resolutionflow.htmx (422 the input or the proposal's
kind does not allow it, 409 already reviewed, 403 not this reviewer's): a warning toast, nothing swapped.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from knowledge import review, selectors
from knowledge.apps import REVIEW_BADGE
from knowledge.errors import InvalidEnvelope, ProposalNotPending, UseModify
from knowledge.permissions import can_review
from knowledge.review.forms import QueueFilterForm, RejectForm, ReviewForm
from knowledge.review.generalised import put_term_back
from knowledge.review.presenter import detail_context, outcome_message, queue_context, queue_url, tabs
from resolutionflow.htmx import form_error, is_partial, refuse, render_pieces, toast
from resolutionflow.navigation import send_badges
from resolutionflow.tenancy import account_member_required

TEMPLATE = "knowledge/review_queue.html"
ALREADY_REVIEWED = "This proposal was already reviewed."
USE_EDIT = "An enhancement is published with Edit & Publish, not approved as is."


# ── Pages ───────────────────────────────────────────────────────────────────────────────────────────


@account_member_required
def review_queue(request):
    """The queue; `?proposal=<id>` opens that proposal beside the list (404 outside the account)."""
    filters = QueueFilterForm(request.GET).values(request)
    pk = request.GET.get("proposal", "")
    selected = selectors.proposal(request.user, pk) if pk else None
    context = queue_context(request.user, filters, selected)
    return render(request, f"{TEMPLATE}#queue" if is_partial(request) else TEMPLATE, context)


@account_member_required
def proposal_detail(request, pk):
    """The detail panel for htmx (a card opened); the whole queue page with it selected for a direct visit."""
    proposal = selectors.proposal(request.user, pk)
    filters = QueueFilterForm(request.GET).values(request)
    if is_partial(request):
        return render(request, f"{TEMPLATE}#detail", detail_context(request.user, proposal, filters))
    return render(request, TEMPLATE, queue_context(request.user, filters, proposal))


# ── Actions ─────────────────────────────────────────────────────────────────────────────────────────


@require_POST
@account_member_required
def proposal_approve(request, pk):
    return _review(request, pk, "approve", ReviewForm(request.POST))


@require_POST
@account_member_required
def proposal_dismiss(request, pk):
    return _review(request, pk, "dismiss", ReviewForm(request.POST))


@require_POST
@account_member_required
def proposal_reject(request, pk):
    return _review(request, pk, "reject", RejectForm(request.POST))


@require_POST
@account_member_required
def proposal_edit(request, pk):
    """Edit & Publish: a draft of the proposal's flow in the editor, whose Publish reviews it as `modify`."""
    proposal = selectors.proposal(request.user, pk)
    filters = QueueFilterForm(request.POST).values()
    _require_reviewer(request, proposal)
    try:
        draft = review.start_review_draft(proposal, request.user)
    except ProposalNotPending:
        return _refused(request, proposal, filters, ALREADY_REVIEWED, "conflict")
    url = reverse("knowledge:draft-edit", args=[draft.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_POST
@account_member_required
def proposal_restore_term(request, pk):
    """Put back a term the flywheel generalised (the reviewer knows it is public, not the client's)."""
    proposal = selectors.proposal(request.user, pk)
    filters = QueueFilterForm(request.POST).values()
    _require_reviewer(request, proposal)
    try:
        put_term_back(proposal, int(request.POST.get("index", "-1")), reviewer=request.user)
    except ProposalNotPending:
        return _refused(request, proposal, filters, ALREADY_REVIEWED, "conflict")
    except (InvalidEnvelope, ValueError):
        return _refused(request, proposal, filters, "That term is not generalised in this proposal.", "invalid")
    if not request.htmx:
        messages.success(request, "Term put back.")
        return redirect(queue_url(filters, proposal=proposal.pk))
    proposal = selectors.proposal(request.user, pk)
    detail = render(request, f"{TEMPLATE}#detail", detail_context(request.user, proposal, filters))
    return toast(detail, "Term put back.")


def _review(request, pk, action: str, form):
    proposal = selectors.proposal(request.user, pk)
    filters = QueueFilterForm(request.POST).values()
    _require_reviewer(request, proposal)
    if not form.is_valid():
        return _refused(request, proposal, filters, form_error(form), "invalid")
    notes = form.cleaned_data["reviewer_notes"].strip()
    try:
        reviewed = review.review_proposal(proposal, reviewer=request.user, action=action, reviewer_notes=notes or None)
    except ProposalNotPending:
        return _refused(request, proposal, filters, ALREADY_REVIEWED, "conflict")
    except UseModify:
        return _refused(request, proposal, filters, USE_EDIT, "invalid")
    except InvalidEnvelope as exc:
        message = f"The proposed flow is not valid ({exc.message}). Use Edit & Publish to fix it."
        return _refused(request, proposal, filters, message, "invalid")
    message = outcome_message(reviewed)
    if not request.htmx:
        messages.success(request, message)
        return redirect(queue_url(filters, proposal=reviewed.pk))
    proposal = selectors.proposal(request.user, pk)
    listed = form.cleaned_data["listed"]
    context = {**detail_context(request.user, proposal, filters, listed=listed), "tabs": tabs(request.user, filters)}
    pieces = ["detail", "card", "tabs"] if listed else ["detail", "tabs"]
    return send_badges(toast(render_pieces(request, TEMPLATE, pieces, context), message), request, REVIEW_BADGE)


def _require_reviewer(request, proposal) -> None:
    if not can_review(request.user, proposal):
        raise PermissionDenied("Team admins review their team's and team-less proposals; owners review all.")


def _refused(request, proposal, filters: dict, message: str, kind: str):
    """A refusal changes nothing on the page (the toast explains); without JavaScript, back to the proposal.
    The sidebar's count comes along: "already reviewed" means someone else just changed it."""
    refused = refuse(request, message, kind, redirect_to=queue_url(filters, proposal=proposal.pk))
    return send_badges(refused, request, REVIEW_BADGE)
