"""The structured flow editor: start a draft (a new flow, an existing flow, an import), edit it one operation
at a time, publish it.

Everything here edits a `FlowDraft`, the hand-over other pages use too: the review queue's "Edit & Publish"
and the gaps panel's "Create flow" call `services.start_draft(...)` and redirect to `knowledge:draft-edit`.
Drafts keep invalid work (a question with one option, an emptied text); the editor shows the validator's
first fault inline after every operation, and publishing refuses it. Request bodies are read by the forms of
knowledge.editor.forms, what the page draws comes from knowledge.editor.presenter, and refusals follow
resolutionflow.htmx (422 invalid input, 409 the draft or proposal changed, 403 not allowed).
"""

import json

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from knowledge import selectors, services
from knowledge.apps import REVIEW_BADGE
from knowledge.editor.forms import IMPORT_MAX_BYTES, ImportForm, MetaForm, NewFlowForm, OperationForm, PublishForm
from knowledge.editor.presenter import editor_context, envelope_of, focus_after, stale_comparison
from knowledge.errors import DraftAlreadyPublished, InvalidEnvelope, ProposalNotPending, StaleTarget, TreeEditError
from knowledge.models import DraftSource, TreeType
from knowledge.permissions import can_open_draft, require_flow_editor
from knowledge.tree_format import PROCEDURAL
from resolutionflow.htmx import form_error, refuse, render_pieces
from resolutionflow.navigation import send_badges
from resolutionflow.tenancy import admin_required

TEMPLATE = "knowledge/flow_editor.html"
ALREADY_PUBLISHED = "This draft was already published."
ALREADY_REVIEWED = "This proposal was already reviewed by someone else."


# ── Starting a draft ────────────────────────────────────────────────────────────────────────────────


@admin_required
def flow_new(request):
    """A new flow from a skeleton (a question with two open ends, or one step)."""
    form = NewFlowForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        draft = services.start_draft(request.user, form.envelope())
        return redirect("knowledge:draft-edit", pk=draft.pk)
    context = {"page": "new", "tree_types": TreeType.choices, "procedural_type": PROCEDURAL, "error": ""}
    if form.is_bound:
        context["error"] = form_error(form)
        return refuse(request, context["error"], response=lambda: render(request, TEMPLATE, context))
    return render(request, TEMPLATE, context)


@admin_required
def flow_edit(request, pk):
    """Edit a published flow: POST opens a draft of its current version (GET only offers to)."""
    flow = selectors.flow(request.user, pk)
    require_flow_editor(request.user, flow)
    if request.method == "POST":
        draft = services.start_draft(request.user, flow.envelope(), target_flow=flow)
        return redirect("knowledge:draft-edit", pk=draft.pk)
    open_drafts = selectors.open_drafts(request.user, flow)[:5]
    return render(request, TEMPLATE, {"page": "start", "flow": flow, "open_drafts": open_drafts})


@admin_required
def flow_import(request):
    """A draft from pasted or uploaded JSON: an envelope or a bare tree. Refused input stays in the form."""
    context = {"page": "import", "text": "", "error": "", "max_bytes": IMPORT_MAX_BYTES}
    if request.method != "POST":
        return render(request, TEMPLATE, context)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        context.update(text=form.text(), error=form_error(form))
        return refuse(request, context["error"], response=lambda: render(request, TEMPLATE, context))
    envelope = form.cleaned_data["envelope"]
    draft = services.start_draft(request.user, envelope, source_kind=DraftSource.IMPORT)
    messages.success(request, f"Imported “{envelope['name']}”. Review it, then publish.")
    return redirect("knowledge:draft-edit", pk=draft.pk)


# ── The editor ──────────────────────────────────────────────────────────────────────────────────────


def _editable_draft(request, pk):
    """The draft for its author and those who may edit its target flow; anyone else gets 404, as if it did not
    exist (a draft's id is no key to it)."""
    draft = selectors.draft(request.user, pk)
    if not can_open_draft(request.user, draft):
        raise Http404("Not found.")
    return draft


def _draft_url(draft) -> str:
    return reverse("knowledge:draft-edit", args=[draft.pk])


@admin_required
@require_GET
def draft_edit(request, pk):
    draft = _editable_draft(request, pk)
    return render(request, TEMPLATE, editor_context(draft))


@require_POST
@admin_required
def draft_op(request, pk):
    """Apply one edit operation (the `op` field), save the draft and redraw the tree or just the status."""
    draft = _editable_draft(request, pk)
    form = OperationForm(request.POST)
    if not form.is_valid():
        return refuse(request, form_error(form), redirect_to=_draft_url(draft))
    trees = {}

    def change(envelope):  # applied to the draft as it is once locked, so quick successive ops all count
        trees["before"] = envelope.get("tree_structure")
        trees["after"] = form.apply(trees["before"])
        return {**envelope, "tree_structure": trees["after"]}

    try:
        services.edit_draft(draft, change)
    except TreeEditError as exc:
        return refuse(request, str(exc), redirect_to=_draft_url(draft))
    except DraftAlreadyPublished:
        return refuse(request, ALREADY_PUBLISHED, "conflict", redirect_to=_draft_url(draft))
    focus = focus_after(form.cleaned_data["op"], trees["before"], trees["after"], form.cleaned_data["node_id"])
    if not request.htmx:
        return redirect(_draft_url(draft) + (f"#{focus}" if focus else ""))
    target = "tree" if form.redraws_tree else None
    pieces = ["tree", "status"] if target else ["status"]
    return render_pieces(request, TEMPLATE, pieces, editor_context(draft, saved=True, focus=focus), target=target)


@require_POST
@admin_required
def draft_meta(request, pk):
    """Name, description, domain, keywords and flow type (a type change converts the structure)."""
    draft = _editable_draft(request, pk)
    form = MetaForm(request.POST)
    if not form.is_valid():
        return refuse(request, form_error(form), redirect_to=_draft_url(draft))
    type_changed = False

    def change(envelope):  # applied to the draft as it is once locked
        nonlocal type_changed
        type_changed = form.changes_type(envelope)
        return form.changed(envelope)

    try:
        services.edit_draft(draft, change)
    except TreeEditError as exc:
        return refuse(request, str(exc), redirect_to=_draft_url(draft))
    except DraftAlreadyPublished:
        return refuse(request, ALREADY_PUBLISHED, "conflict", redirect_to=_draft_url(draft))
    if not request.htmx:
        return redirect(_draft_url(draft))
    pieces = ["status", "title", "tree"] if type_changed else ["status", "title"]
    return render_pieces(request, TEMPLATE, pieces, editor_context(draft, saved=True), target=None)


@require_POST
@admin_required
def draft_publish(request, pk):
    """Publish with a note: onto the target flow (a new version) or as a new flow; `force` overrides a stale base."""
    draft = _editable_draft(request, pk)
    form = PublishForm(request.POST)
    form.is_valid()  # both fields are optional; a note beyond its length is cut
    note, force = form.cleaned_data.get("note", ""), form.cleaned_data.get("force", False)
    try:
        flow = services.publish_draft(draft, author=request.user, note=note, force=force)
    except InvalidEnvelope:
        return _publish_refused(request, draft, note, "invalid", "The flow has a problem; fix it, then publish.")
    except StaleTarget as exc:
        return _publish_refused(request, draft, note, "conflict", str(exc), stale=stale_comparison(draft, exc))
    except DraftAlreadyPublished:
        return _already_published(request, draft)
    except ProposalNotPending:
        refused = refuse(request, ALREADY_REVIEWED, "conflict", redirect_to=_draft_url(draft))
        return send_badges(refused, request, REVIEW_BADGE)
    messages.success(request, f"Published “{flow.name}” (version {flow.version}).")
    if draft.source_kind == DraftSource.PROPOSAL:  # the reviewer goes back to the queue, on the proposal
        url = f"{reverse('knowledge:review-queue')}?tab=approved&proposal={draft.source_id}"
        return send_badges(HttpResponseClientRedirect(url), request, REVIEW_BADGE) if request.htmx else redirect(url)
    url = reverse("knowledge:flow-detail", args=[flow.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@admin_required
@require_GET
def draft_export(request, pk):
    """The draft's envelope as JSON, as it is now (valid or not): the import reads the same format."""
    draft = _editable_draft(request, pk)
    envelope = envelope_of(draft)
    response = HttpResponse(json.dumps(envelope, indent=2, ensure_ascii=False), content_type="application/json")
    name = slugify(str(envelope.get("name") or "")) or "flow"
    response["Content-Disposition"] = f'attachment; filename="{name}-draft.json"'
    return response


def _already_published(request, draft):
    """A second Publish (a double submit, another tab): 409, and the page says which flow the first one made."""
    if request.htmx:
        return refuse(request, ALREADY_PUBLISHED, "conflict")
    draft.refresh_from_db()
    return refuse(
        request, ALREADY_PUBLISHED, "conflict", response=lambda: render(request, TEMPLATE, editor_context(draft))
    )


def _publish_refused(request, draft, note: str, kind: str, message: str, stale: dict | None = None):
    """The publish panel again with the reason (and both versions when the flow changed meanwhile)."""
    context = {**editor_context(draft), "publish_note": note, "publish_error": message, "stale": stale}
    if request.htmx:
        response = render(request, f"{TEMPLATE}#publish_result", context)
        return refuse(request, "Not published: " + message.split(";")[0], kind, response=response)
    return refuse(request, message, kind, response=lambda: render(request, TEMPLATE, context))
