"""Writes on flows: create, publish (a new version), restore, archive, drafts, starter library import.

Every writer validates through `knowledge.envelope.clean_envelope` (and so the one tree validator), and
every publish checks the author's edit rights on the flow it publishes into (`knowledge.permissions`):
`author=None` is the system itself (the starter library, the demo), never a request.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from knowledge import review
from knowledge.envelope import clean_envelope
from knowledge.errors import DraftAlreadyPublished, StaleTarget
from knowledge.flywheel import builder
from knowledge.models import (
    DraftSource,
    FlowDraft,
    FlowProposal,
    Origin,
    ProposalType,
    Tree,
    TreeStatus,
    TreeVersion,
    embedded_text,
)
from knowledge.permissions import FLOW_EDITORS, can_open_draft, require_flow_editor
from resolutionflow.ai.embeddings import get_embedder


def clean(data, *, defaults: dict | None = None) -> dict:
    return clean_envelope(data, domains=settings.PROBLEM_DOMAINS, defaults=defaults)


def _embedding_for(envelope: dict) -> tuple[list[float], str]:
    embedder = get_embedder()
    text = embedded_text(envelope["name"], envelope["description"], envelope["match_keywords"])
    return embedder.embed([text], "document")[0], embedder.model_name


SEARCH_DOCUMENT_SQL = """
    setweight(to_tsvector('english', name), 'A')
    || setweight(to_tsvector('english',
         array_to_string(ARRAY(SELECT jsonb_array_elements_text(match_keywords)), ' ')), 'A')
    || setweight(to_tsvector('english', description), 'B')
"""


def _refresh_search_document(tree_id) -> None:
    """The full-text document matching reads: name and keywords weigh more than the description."""
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE knowledge_tree SET search_document = {SEARCH_DOCUMENT_SQL} WHERE id = %s", [tree_id])


def create_flow(
    account, data, *, author, team=None, origin=Origin.MANUAL, publish=True, note="", slug="", source_session=None
) -> Tree:
    """A new flow from an envelope; published as version 1 unless `publish` is False (a draft flow)."""
    envelope = clean(data)
    tree = Tree(
        account=account,
        team=team,
        slug=slug,
        created_by=author,
        origin=origin,
        status=TreeStatus.DRAFT,
        **_envelope_fields(envelope),
        **({"source_session": source_session} if source_session is not None else {}),
    )
    if author is not None:
        require_flow_editor(author, tree)
    tree.save(force_insert=True)
    if publish:
        return publish_tree(tree, envelope, author=author, note=note or "First version", origin=origin)
    _refresh_search_document(tree.pk)
    return tree


def publish_tree(tree: Tree, data, *, author, note="", origin=None, expected_version: int | None = None) -> Tree:
    """Publish `data` as the flow's next version, re-embed it, and keep the version history.

    `expected_version` guards against publishing over someone else's change (StaleTarget).
    """
    envelope = clean(data, defaults=tree.envelope())
    vector, model_name = _embedding_for(envelope)
    with transaction.atomic():
        locked = Tree.objects.select_for_update().get(pk=tree.pk)
        if author is not None:
            require_flow_editor(author, locked)
        if expected_version is not None and locked.version != expected_version:
            raise StaleTarget(expected_version, locked.version)
        locked.version += 1
        for field, value in _envelope_fields(envelope).items():
            setattr(locked, field, value)
        if origin:
            locked.origin = origin
        locked.status = TreeStatus.PUBLISHED
        locked.published_at = timezone.now()
        locked.embedding = vector
        locked.embedding_model = model_name
        locked.save()
        TreeVersion.objects.create(
            account_id=locked.account_id,
            tree=locked,
            version=locked.version,
            origin=locked.origin,
            note=note[:500],
            author=author,
            **_envelope_fields(envelope),
        )
        _refresh_search_document(locked.pk)
    locked.refresh_from_db()
    return locked


def restore_version(tree: Tree, version: int, *, author) -> Tree:
    """Publish an old version's content again, as a new version (history is never rewritten)."""
    old = tree.versions.get(version=version)
    return publish_tree(tree, old.envelope(), author=author, note=f"Restored version {version}")


def archive_flow(tree: Tree) -> Tree:
    """Archived flows leave matching and the default library, but keep their history and stats."""
    Tree.objects.filter(pk=tree.pk).update(status=TreeStatus.ARCHIVED, updated_at=timezone.now())
    tree.refresh_from_db()
    return tree


def move_flow(tree: Tree, team) -> Tree:
    """Give a flow to another team (or to none). Its enhancement proposals move with it: an enhancement belongs
    to its target flow's team, whose admins may publish into the flow."""
    with transaction.atomic():
        Tree.objects.filter(pk=tree.pk).update(team=team, updated_at=timezone.now())
        FlowProposal.objects.filter(target_flow=tree).exclude(proposal_type=ProposalType.NEW_FLOW).update(team=team)
    tree.refresh_from_db()
    return tree


def _envelope_fields(envelope: dict) -> dict:
    return {
        "name": envelope["name"],
        "description": envelope["description"],
        "tree_type": envelope["tree_type"],
        "problem_domain": envelope["problem_domain"],
        "match_keywords": envelope["match_keywords"],
        "tree_structure": envelope["tree_structure"],
    }


# ── Drafts: the editor's hand-over ─────────────────────────────────────────────────────────────────


def start_draft(
    author, envelope: dict, *, target_flow: Tree | None = None, source_kind=DraftSource.MANUAL, source_id=""
) -> FlowDraft:
    """Open the editor on `envelope` (for another page: a proposal, a gap, or a flow being edited)."""
    return FlowDraft.objects.create(
        account=author.account,
        author=author,
        envelope=envelope,
        target_flow=target_flow,
        target_version=target_flow.version if target_flow else None,
        source_kind=source_kind,
        source_id=str(source_id or ""),
    )


def start_draft_with_options(
    author, flow: Tree, *, node_id: str, options: list[str], source_kind=DraftSource.MANUAL, source_id=""
) -> FlowDraft:
    """A draft of `flow` in which question `node_id` also offers `options` as open ends (past the option
    limit they go under an "Other…" question), for the editor to open on: the flow is not changed."""
    envelope = flow.envelope()
    envelope["tree_structure"] = builder.add_open_ends(envelope["tree_structure"], node_id, options)
    return start_draft(author, envelope, target_flow=flow, source_kind=source_kind, source_id=source_id)


def save_draft(draft: FlowDraft, envelope: dict) -> FlowDraft:
    """Keep work in progress, valid or not: nothing typed is lost. Publishing validates."""
    return edit_draft(draft, lambda _current: envelope)


def edit_draft(draft: FlowDraft, change) -> FlowDraft:
    """Apply `change(current envelope) -> new envelope` under the draft's row lock.

    Edits arriving together (quick clicks, two tabs) apply one after the other, each to the envelope the
    previous one left, so none is lost; an edit racing a publish is refused (DraftAlreadyPublished).
    """
    with transaction.atomic():
        locked = FlowDraft.objects.select_for_update(of=("self",)).get(pk=draft.pk)
        if locked.is_published:
            raise DraftAlreadyPublished()
        locked.envelope = change(dict(locked.envelope) if isinstance(locked.envelope, dict) else {})
        locked.save(update_fields=["envelope", "updated_at"])
    draft.envelope, draft.updated_at = locked.envelope, locked.updated_at
    return draft


def publish_draft(draft: FlowDraft, *, author, note="", force=False) -> Tree:
    """Publish a draft exactly once: onto its target flow (a new version) or as a new flow.

    The draft row is locked for the whole publish, so a double submit waits for the first and is then
    refused with DraftAlreadyPublished (409) instead of creating a second flow.
    """
    if not can_open_draft(author, draft):
        raise PermissionDenied(FLOW_EDITORS)
    with transaction.atomic():
        locked = FlowDraft.objects.select_for_update(of=("self",)).select_related("target_flow").get(pk=draft.pk)
        if locked.is_published:
            raise DraftAlreadyPublished()
        if locked.source_kind == DraftSource.PROPOSAL:  # publishing a proposal's draft is reviewing it
            tree = review.publish_proposal_draft(locked, author=author, note=note, force=force)
        elif locked.target_flow is not None:
            tree = publish_tree(
                locked.target_flow,
                locked.envelope,
                author=author,
                note=note,
                expected_version=None if force else locked.target_version,
            )
        else:
            origin = Origin.IMPORTED if locked.source_kind == DraftSource.IMPORT else Origin.MANUAL
            tree = create_flow(
                locked.account, locked.envelope, author=author, team=author.team, note=note, origin=origin
            )
        locked.published_flow = tree
        locked.published_at = timezone.now()
        locked.save(update_fields=["published_flow", "published_at", "updated_at"])
    draft.refresh_from_db()
    return tree
