"""The structured flow editor: start a draft (a new flow, an existing flow, an import), edit it one operation
at a time, publish it.

Everything here edits a `FlowDraft`, the hand-over other pages use too: the review queue's "Edit & Publish"
and the gaps panel's "Create flow" call `services.start_draft(...)` and redirect to `knowledge:draft-edit`.
Drafts keep invalid work (a question with one option, an emptied text); the editor shows the validator's
first fault inline after every operation, and publishing refuses it.
"""

import hashlib
import json
import re
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from knowledge import selectors, services, tree_edit, tree_format
from knowledge.apps import REVIEW_BADGE
from knowledge.envelope import MAX_KEYWORD_LENGTH, MAX_KEYWORDS, too_many_keywords
from knowledge.errors import (
    DraftAlreadyPublished,
    EditRefused,
    InvalidEnvelope,
    InvalidTree,
    ProposalNotPending,
    StaleTarget,
    TreeEditError,
)
from knowledge.models import DraftSource, TreeType
from knowledge.permissions import can_open_draft, require_flow_editor
from knowledge.presentation import ENVELOPE_LABELS, structure_changes
from knowledge.tree_format import ACTION, PROCEDURAL, QUESTION, SOLUTION, TEXT_FIELD, TREE_TYPES, TROUBLESHOOTING
from resolutionflow import json_input
from resolutionflow.htmx import toast
from resolutionflow.navigation import send_badges
from resolutionflow.tenancy import admin_required

TEMPLATE = "knowledge/flow_editor.html"
IMPORT_MAX_BYTES = 1024 * 1024
TYPE_LABELS = {QUESTION: "Question", ACTION: "Action", SOLUTION: "Solution"}
TYPE_TONES = {QUESTION: "info", ACTION: "accent", SOLUTION: "success"}
TEXT_LABELS = {"question": "Question", "instructions": "Instructions", "resolution": "Resolution"}
FIELD_LABELS = {
    "name": "Name",
    "description": "Description",
    "tree_type": "Flow type",
    "problem_domain": "Domain",
    "match_keywords": "Keywords",
    "tree_structure": "Tree",
    "non_field_errors": "Flow",
}
# Edits of text save in place (the page keeps its focus); every other operation redraws the tree.
IN_PLACE_OPS = {"set_text", "set_step_text", "set_script"}


# ── Starting a draft ────────────────────────────────────────────────────────────────────────────────


@admin_required
def flow_new(request):
    """A new flow from a skeleton (a question with two open ends, or one step)."""
    error = ""
    if request.method == "POST":
        tree_type = request.POST.get("tree_type", "")
        if tree_type in TREE_TYPES:
            name = " ".join(request.POST.get("name", "").split()) or "Untitled flow"
            envelope = {
                "name": name,
                "description": "",
                "tree_type": tree_type,
                "problem_domain": None,
                "match_keywords": [],
                "tree_structure": tree_edit.new_tree(tree_type),
            }
            draft = services.start_draft(request.user, envelope)
            return redirect("knowledge:draft-edit", pk=draft.pk)
        error = "Choose the kind of flow."
    return render(
        request,
        TEMPLATE,
        {"page": "new", "tree_types": TreeType.choices, "procedural_type": PROCEDURAL, "error": error},
    )


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
    text, error = "", ""
    if request.method == "POST":
        text, filename, error = _import_text(request)
        if not error:
            try:
                envelope = _import_envelope(text, default_name=_name_from_filename(filename))
            except InvalidEnvelope as exc:
                error = f"{FIELD_LABELS.get(exc.field, exc.field)}: {exc.message}"
            else:
                draft = services.start_draft(request.user, envelope, source_kind=DraftSource.IMPORT)
                messages.success(request, f"Imported “{envelope['name']}”. Review it, then publish.")
                return redirect("knowledge:draft-edit", pk=draft.pk)
    return render(request, TEMPLATE, {"page": "import", "text": text, "error": error, "max_bytes": IMPORT_MAX_BYTES})


def _import_text(request) -> tuple[str, str, str]:
    """(text, uploaded file name, error): an uploaded file wins over the text box."""
    upload = request.FILES.get("file")
    if upload is not None:
        if upload.size > IMPORT_MAX_BYTES:
            return "", upload.name, "The file is larger than 1 MB."
        try:
            return upload.read().decode("utf-8-sig"), upload.name, ""
        except UnicodeDecodeError:
            return "", upload.name, "The file is not UTF-8 text."
    text = request.POST.get("json", "")
    if not text.strip():
        return text, "", "Paste the flow's JSON or choose a file."
    if len(text.encode()) > IMPORT_MAX_BYTES:
        return text, "", "The JSON is larger than 1 MB."
    return text, "", ""


def _import_envelope(text: str, *, default_name: str) -> dict:
    try:
        data = json_input.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidEnvelope(
            "non_field_errors", f"not valid JSON ({exc.msg}, line {exc.lineno} column {exc.colno})"
        ) from None
    except json_input.InvalidJSON as exc:  # nested too deep, a NUL or NaN
        raise InvalidEnvelope("non_field_errors", str(exc)) from None
    return services.clean(data, defaults={"name": default_name})


def _name_from_filename(filename: str) -> str:
    stem = Path(filename or "").stem.replace("-", " ").replace("_", " ").strip()
    return stem.capitalize() if stem else "Imported flow"


# ── The editor ──────────────────────────────────────────────────────────────────────────────────────


def _editable_draft(request, pk):
    """The draft for its author and those who may edit its target flow; anyone else gets 404, as if it did not
    exist (a draft's id is no key to it)."""
    draft = selectors.draft(request.user, pk)
    if not can_open_draft(request.user, draft):
        raise Http404("Not found.")
    return draft


@admin_required
@require_GET
def draft_edit(request, pk):
    draft = _editable_draft(request, pk)
    return render(request, TEMPLATE, _editor_context(draft))


@require_POST
@admin_required
def draft_op(request, pk):
    """Apply one edit operation (the `op` field), save the draft and redraw the tree or just the status."""
    draft = _editable_draft(request, pk)
    op = request.POST.get("op", "")
    trees = {}

    def change(envelope):  # applied to the draft as it is once locked, so quick successive ops all count
        trees["before"] = envelope.get("tree_structure")
        trees["after"] = _apply(op, trees["before"], request.POST)
        return {**envelope, "tree_structure": trees["after"]}

    try:
        services.edit_draft(draft, change)
    except TreeEditError as exc:
        return _refused(request, draft, str(exc))
    except DraftAlreadyPublished:
        return _refused(request, draft, "This draft was already published.", status=409)
    focus = _focus_after(op, trees["before"], trees["after"], request.POST.get("node_id", ""))
    if not request.htmx:
        return redirect(reverse("knowledge:draft-edit", args=[draft.pk]) + (f"#{focus}" if focus else ""))
    target = None if op in IN_PLACE_OPS else "tree"
    return _pieces(request, draft, target, ["status"], focus=focus)


@require_POST
@admin_required
def draft_meta(request, pk):
    """Name, description, domain, keywords and flow type (a type change converts the structure)."""
    draft = _editable_draft(request, pk)
    post = request.POST
    keywords, refusal = _posted_keywords(post.get("match_keywords", ""))
    if refusal:
        return _refused(request, draft, refusal)
    type_changed = False

    def change(envelope):  # applied to the draft as it is once locked
        nonlocal type_changed
        tree_type = post.get("tree_type", envelope.get("tree_type"))
        type_changed = tree_type in TREE_TYPES and tree_type != envelope.get("tree_type")
        updated = {
            **envelope,
            "name": " ".join(post.get("name", "").split()),
            "description": post.get("description", "").replace("\r\n", "\n").strip(),
            "problem_domain": post.get("problem_domain") or None,
            "match_keywords": keywords,
        }
        if type_changed:
            updated["tree_type"] = tree_type
            updated["tree_structure"] = tree_edit.convert_tree(envelope.get("tree_structure"), tree_type)
        return updated

    try:
        services.edit_draft(draft, change)
    except TreeEditError as exc:
        return _refused(request, draft, str(exc))
    except DraftAlreadyPublished:
        return _refused(request, draft, "This draft was already published.", status=409)
    if not request.htmx:
        return redirect("knowledge:draft-edit", pk=draft.pk)
    return _pieces(request, draft, None, ["status", "title", "tree"] if type_changed else ["status", "title"])


def _posted_keywords(text: str) -> tuple[list[str], str]:
    """(keywords, refusal): the comma- or line-separated field. A draft keeps other invalid work, but input
    beyond the envelope's caps is refused whole (nothing saved), never cut: every render re-validates it."""
    keywords = [k.strip() for k in re.split(r"[,\n]", text) if k.strip()]
    if len(keywords) > MAX_KEYWORDS:
        return [], f"Keywords: {too_many_keywords(len(keywords))}. Nothing was saved."
    too_long = next((k for k in keywords if len(k) > MAX_KEYWORD_LENGTH), None)
    if too_long is not None:
        return [], f"Keywords: “{too_long[:40]}…” is longer than {MAX_KEYWORD_LENGTH} characters. Nothing was saved."
    return keywords, ""


@require_POST
@admin_required
def draft_publish(request, pk):
    """Publish with a note: onto the target flow (a new version) or as a new flow; `force` overrides a stale base."""
    draft = _editable_draft(request, pk)
    note = request.POST.get("note", "").strip()[:500]
    try:
        flow = services.publish_draft(draft, author=request.user, note=note, force=request.POST.get("force") == "1")
    except InvalidEnvelope:
        return _publish_refused(request, draft, note, "The flow has a problem; fix it, then publish.")
    except StaleTarget as exc:
        return _publish_refused(request, draft, note, str(exc), stale=_stale(draft, exc))
    except DraftAlreadyPublished:
        return _already_published(request, draft)
    except ProposalNotPending:
        refused = _refused(request, draft, "This proposal was already reviewed by someone else.", status=409)
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
    envelope = _envelope(draft)
    response = HttpResponse(json.dumps(envelope, indent=2, ensure_ascii=False), content_type="application/json")
    name = slugify(str(envelope.get("name") or "")) or "flow"
    response["Content-Disposition"] = f'attachment; filename="{name}-draft.json"'
    return response


# ── Operations: form fields → tree_edit ─────────────────────────────────────────────────────────────


def _apply(op: str, structure, post) -> dict:
    node_id = post.get("node_id", "")
    if op == "set_text":
        return tree_edit.set_text(structure, node_id, post.get("field", ""), post.get("value", ""))
    if op == "add_option":
        return tree_edit.add_option(structure, node_id)
    if op == "add_next":
        return tree_edit.add_next(structure, node_id)
    if op == "remove":
        return tree_edit.remove_node(structure, node_id)
    if op in ("move_up", "move_down"):
        return tree_edit.move_option(structure, node_id, -1 if op == "move_up" else 1)
    if op == "change_type":
        return tree_edit.change_type(structure, node_id, post.get("new_type", ""))
    if op == "set_script":
        if not post.get("template", "").strip():
            return tree_edit.clear_script(structure, node_id)
        params = tree_edit.parse_params(post.get("params", ""))
        return tree_edit.set_script(structure, node_id, post.get("template", ""), params)
    if op == "clear_script":
        return tree_edit.clear_script(structure, node_id)
    if op == "set_open":
        return tree_edit.set_open(structure, node_id, post.get("open") == "1")
    if op == "add_step":
        return tree_edit.add_step(structure, node_id or None)
    if op == "remove_step":
        return tree_edit.remove_step(structure, node_id)
    if op in ("move_step_up", "move_step_down"):
        return tree_edit.move_step(structure, node_id, -1 if op == "move_step_up" else 1)
    if op == "set_step_text":
        return tree_edit.set_step_text(structure, node_id, post.get("field", ""), post.get("value", ""))
    if op == "reset":
        return tree_edit.new_tree(post.get("tree_type", TROUBLESHOOTING))
    raise EditRefused(f"Unknown operation '{op}'.")


def _focus_after(op: str, before, after, node_id: str) -> str:
    """The element to focus once the tree is redrawn: a new node's first field, or the removed node's parent."""
    existing = set(tree_edit.node_ids(before))
    added = [i for i in tree_edit.node_ids(after) if i not in existing]
    if added:
        return dom_id(added[0])
    if op in ("remove", "remove_step"):
        for node, parent, _, _ in tree_edit.walk(before):
            if node.get("id") == node_id and parent is not None:
                return dom_id(parent.get("id"))
        return "flow-tree"
    return ""


def _refused(request, draft, message: str, status: int = 422):
    if request.htmx:
        return toast(HttpResponse(status=status), message, level="warning")
    messages.warning(request, message)
    return redirect("knowledge:draft-edit", pk=draft.pk)


def _already_published(request, draft):
    """A second Publish (a double submit, another tab): 409, and the page says which flow the first one made."""
    message = "This draft was already published."
    if request.htmx:
        return toast(HttpResponse(status=409), message, level="warning")
    draft.refresh_from_db()
    messages.warning(request, message)
    return render(request, TEMPLATE, _editor_context(draft), status=409)


def _publish_refused(request, draft, note: str, message: str, stale: dict | None = None):
    context = {**_editor_context(draft), "publish_note": note, "publish_error": message, "stale": stale}
    if request.htmx:
        response = render(request, f"{TEMPLATE}#publish_result", context)
        return toast(response, "Not published: " + message.split(";")[0], level="warning")
    return render(request, TEMPLATE, context, status=409 if stale else 422)


def _stale(draft, exc: StaleTarget) -> dict:
    """Both versions: the one this draft started from, the current one, and what publishing anyway changes."""
    flow = draft.target_flow
    current = flow.versions.select_related("author").filter(version=exc.actual).first()
    envelope = _envelope(draft)
    lines = []
    if current is not None:
        lines = [
            f"{label}: “{_shown(current.envelope().get(key))}” → “{_shown(envelope.get(key))}”"
            for key, label in ENVELOPE_LABELS.items()
            if current.envelope().get(key) != envelope.get(key)
        ]
        if isinstance(envelope.get("tree_structure"), dict):
            lines += structure_changes(current.tree_structure, envelope["tree_structure"])["lines"]
    return {
        "flow": flow,
        "base": flow.versions.filter(version=exc.expected).first(),
        "base_version": exc.expected,
        "current": current,
        "current_version": exc.actual,
        "lines": lines[:20],
        "more": max(0, len(lines) - 20),
    }


def _shown(value) -> str:
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value or "—")
    return text if len(text) <= 80 else text[:79] + "…"


# ── What the template draws ─────────────────────────────────────────────────────────────────────────


def _envelope(draft) -> dict:
    return dict(draft.envelope) if isinstance(draft.envelope, dict) else {}


def _pieces(request, draft, target: str | None, out_of_band: list[str], *, focus: str = ""):
    """The `target` piece for the requesting element's swap, the others out of band (all of them when the
    element swaps nothing: text fields keep their focus and caret)."""
    context = _editor_context(draft, saved=True, focus=focus)
    names = ([target] if target else []) + out_of_band
    html = "".join(
        render_to_string(f"{TEMPLATE}#{name}", {**context, "oob": name != target}, request=request) for name in names
    )
    return HttpResponse(html)


def _editor_context(draft, *, saved: bool = False, focus: str = "") -> dict:
    envelope = _envelope(draft)
    structure = envelope.get("tree_structure")
    problem = _problem(envelope, structure)
    error_node = problem.get("node_id") if problem else None
    keywords = envelope.get("match_keywords")
    context = {
        "page": "editor",
        "draft": draft,
        "envelope": envelope,
        "keywords_text": ", ".join(str(k) for k in keywords) if isinstance(keywords, list) else "",
        "tree_type": envelope.get("tree_type")
        or (PROCEDURAL if tree_edit.is_procedural(structure) else TROUBLESHOOTING),
        "tree_types": TreeType.choices,
        "domains": settings.PROBLEM_DOMAINS,
        "source": _source(draft),
        "problem": problem,
        "saved": saved,
        "focus": focus,
        "publish_note": "",
        "procedural": tree_edit.is_procedural(structure),
        "op_url": reverse("knowledge:draft-op", args=[draft.pk]),
        "meta_url": reverse("knowledge:draft-meta", args=[draft.pk]),
        "publish_url": reverse("knowledge:draft-publish", args=[draft.pk]),
        "export_url": reverse("knowledge:draft-export", args=[draft.pk]),
    }
    if tree_edit.is_procedural(structure):
        context["steps"] = _step_rows(structure, error_node)
    elif isinstance(structure, dict):
        context["rows"] = _node_rows(structure, error_node)
    else:
        context["unreadable"] = True
    return context


def _source(draft) -> dict:
    labels = {
        DraftSource.MANUAL: "Started by hand",
        DraftSource.PROPOSAL: "From a flow proposal",
        DraftSource.GAP: "From a knowledge gap",
        DraftSource.IMPORT: "Imported from JSON",
    }
    return {"kind": draft.source_kind, "label": labels.get(draft.source_kind, draft.get_source_kind_display())}


def _problem(envelope: dict, structure) -> dict | None:
    """The validator's first fault, located: a tree path and its node, or an envelope field."""
    try:
        services.clean(envelope)
    except InvalidEnvelope as exc:
        cause = exc.__cause__
        if isinstance(cause, InvalidTree):
            node_id = tree_edit.node_at_path(structure, cause.path)
            return {
                "field": exc.field,
                "path": cause.path,
                "message": cause.message,
                "node_id": node_id,
                "dom_id": dom_id(node_id) if node_id else "",
            }
        return {"field": exc.field, "field_label": FIELD_LABELS.get(exc.field, exc.field), "message": exc.message}
    return None


def dom_id(node_id) -> str:
    """An HTML id for a node id: stable across redraws (htmx puts focus back by id)."""
    text = str(node_id)
    if re.fullmatch(r"[A-Za-z0-9_-]{1,64}", text):
        return f"node-{text}"
    return "node-x" + hashlib.sha1(text.encode()).hexdigest()[:12]


def _node_rows(structure: dict, error_node: str | None) -> list[dict]:
    """The tree as a flat list of rows, `{"kind": "close"}` closing a node's children: nested lists in a loop.

    A loop, not a recursive include, keeps deep trees off the Python stack.
    """
    rows: list[dict] = []
    close = object()
    stack: list = [(structure, None, 0)]
    while stack:
        item = stack.pop()
        if item is close:
            rows.append({"kind": "close"})
            continue
        node, parent, index = item
        raw = node.get("children") if isinstance(node.get("children"), list) else []
        children = [(child_index, child) for child_index, child in enumerate(raw) if isinstance(child, dict)]
        rows.append(_node_row(node, parent, index, [child for _, child in children], error_node))
        if children:
            stack.append(close)
            stack.extend((child, node, child_index) for child_index, child in reversed(children))
    return rows


def _node_row(node: dict, parent: dict | None, index: int, children: list, error_node) -> dict:
    node_type = node.get("type")
    text_field = TEXT_FIELD.get(node_type)
    siblings = parent.get("children", []) if parent is not None else []
    script = node.get("script") if isinstance(node.get("script"), dict) else None
    sizes = [sum(1 for _ in tree_edit.walk(child)) for child in children]
    return {
        "kind": "node",
        "id": node.get("id"),
        "dom_id": dom_id(node.get("id")),
        "type": node_type if node_type in TYPE_LABELS else "",
        "type_label": TYPE_LABELS.get(node_type, "No type"),
        "type_tone": TYPE_TONES.get(node_type, "neutral"),
        "label": node.get("label", "") if isinstance(node.get("label", ""), str) else "",
        "text_field": text_field,
        "text_label": TEXT_LABELS.get(text_field, ""),
        "text": node.get(text_field, "") if text_field and isinstance(node.get(text_field, ""), str) else "",
        "is_root": parent is None,
        "parent_type": parent.get("type") if parent is not None else None,
        "number": index + 1,
        "can_move_up": parent is not None and index > 0,
        "can_move_down": parent is not None and index < len(siblings) - 1,
        "has_children": bool(children),
        "can_add_option": node_type == QUESTION and len(children) < tree_format.MAX_OPTIONS,
        "max_options": tree_format.MAX_OPTIONS,
        "can_add_next": node_type == ACTION and not children,
        "is_open": node_type == SOLUTION and node.get("open") is True,
        "script_template": str(script.get("template", "")) if script else "",
        "script_params": tree_edit.params_text(script.get("params")) if script else "",
        "type_choices": [
            {"value": t, "label": TYPE_LABELS[t], "drops": _dropped(t, sizes)} for t in (QUESTION, ACTION, SOLUTION)
        ],
        "is_invalid": error_node is not None and node.get("id") == error_node,
        "subtree_size": 1 + sum(sizes),
    }


def _dropped(new_type: str, child_sizes: list[int]) -> int:
    if new_type == SOLUTION:
        return sum(child_sizes)
    if new_type == ACTION:
        return sum(child_sizes[1:])
    return 0


def _step_rows(structure: dict, error_node) -> list[dict]:
    steps = (
        [step for step in structure.get("steps", []) if isinstance(step, dict)]
        if isinstance(structure.get("steps"), list)
        else []
    )
    return [
        {
            "id": step.get("id"),
            "dom_id": dom_id(step.get("id")),
            "number": index + 1,
            "title": step.get("title", "") if isinstance(step.get("title", ""), str) else "",
            "instructions": step.get("instructions", "") if isinstance(step.get("instructions", ""), str) else "",
            "can_move_up": index > 0,
            "can_move_down": index < len(steps) - 1,
            "is_invalid": error_node is not None and step.get("id") == error_node,
        }
        for index, step in enumerate(steps)
    ]
