"""Flows ("trees" in code, as the seed names them), their published versions, and editor drafts."""

import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Func, Value
from django.db.models.functions import Cast, Lower
from pgvector.django import HalfVectorField, HnswIndex, VectorField

from knowledge.tree_format import PROCEDURAL, TROUBLESHOOTING
from resolutionflow.ai.embeddings import LOCAL_MODEL_NAME, dimensions_of
from resolutionflow.models import AccountOwned, Team


class TreeType(models.TextChoices):
    TROUBLESHOOTING = TROUBLESHOOTING, "Troubleshooting"
    PROCEDURAL = PROCEDURAL, "Procedural"


class Origin(models.TextChoices):
    MANUAL = "manual", "Manual"
    IMPORTED = "imported", "Imported"
    AI_GENERATED = "ai_generated", "AI generated"
    AI_ENHANCED = "ai_enhanced", "AI enhanced"


class TreeStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


# Embedding models whose vectors have fewer components than EMBEDDING_DIMENSIONS (stored zero-padded):
# model name → (its HNSW index, its own dimensions). Matching searches them through that index.
NARROW_EMBEDDINGS = {LOCAL_MODEL_NAME: ("tree_embedding_minilm_half_hnsw", dimensions_of(LOCAL_MODEL_NAME))}


def narrow_embedding(dimensions: int):
    """`embedding` cut to its first `dimensions` components, in half precision:
    `subvector(embedding, 1, n)::halfvec(n)`. The index on it is a quarter of a full-width one, and it only
    picks candidates: their cosines are computed from the stored vectors (knowledge.matching)."""
    return Cast(
        Func(F("embedding"), Value(1), Value(dimensions), function="subvector", output_field=VectorField()),
        HalfVectorField(dimensions=dimensions),
    )


def domain_choices():
    return [(d, d.replace("_", " ").title().replace("M365", "M365")) for d in settings.PROBLEM_DOMAINS]


class Tree(AccountOwned):
    """A flow: a troubleshooting decision tree or a procedure, with its usage statistics.

    Usage stats have one owner (PRODUCT.md): the engine records matches, and one service records each
    closed session's outcome. Nothing else writes them.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, on_delete=models.RESTRICT, null=True, blank=True, related_name="+")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=120, blank=True, help_text="Stable key of starter flows.")
    description = models.TextField(blank=True)
    tree_type = models.CharField(max_length=20, choices=TreeType.choices, default=TreeType.TROUBLESHOOTING)
    tree_structure = models.JSONField()
    problem_domain = models.CharField(max_length=40, choices=domain_choices, null=True, blank=True)
    match_keywords = models.JSONField(default=list, blank=True)
    origin = models.CharField(max_length=20, choices=Origin.choices, default=Origin.MANUAL)
    status = models.CharField(max_length=20, choices=TreeStatus.choices, default=TreeStatus.DRAFT)
    version = models.PositiveIntegerField(default=0, help_text="The latest published version; 0 = never published.")
    source_session = models.ForeignKey(
        "flowpilot.AISession",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The session this flow was learned from (flywheel proposals).",
    )

    embedding = VectorField(dimensions=settings.EMBEDDING_DIMENSIONS, null=True, blank=True)
    embedding_model = models.CharField(max_length=100, blank=True)
    search_document = SearchVectorField(null=True, editable=False)

    times_matched = models.PositiveIntegerField(default=0)
    times_followed = models.PositiveIntegerField(default=0)
    success_count = models.PositiveIntegerField(default=0)
    success_rate = models.FloatField(null=True, blank=True)
    last_matched_at = models.DateTimeField(null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["account", "status", "problem_domain"]),
            models.Index(fields=["account", "updated_at"]),
            models.Index(fields=["account", "slug"]),
            GinIndex(fields=["search_document"], name="tree_search_gin"),
            # Vectors of other models, at full width.
            HnswIndex(
                name="tree_embedding_hnsw",
                fields=["embedding"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
                condition=~models.Q(embedding_model__in=list(NARROW_EMBEDDINGS)),
            ),
            # One index per narrow model, on its own components only (knowledge.matching queries the same
            # expression): a distance costs 384 multiplications instead of 1024, on half the bytes.
            *(
                HnswIndex(
                    OpClass(narrow_embedding(dimensions), name="halfvec_cosine_ops"),
                    name=index_name,
                    m=16,
                    ef_construction=64,
                    condition=models.Q(embedding_model=model_name),
                )
                for model_name, (index_name, dimensions) in NARROW_EMBEDDINGS.items()
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_published(self) -> bool:
        return self.status == TreeStatus.PUBLISHED

    @property
    def embedded_text(self) -> str:
        """What the flow is found by: its name, description and keywords."""
        return embedded_text(self.name, self.description, self.match_keywords)

    def envelope(self) -> dict:
        """The flow as PRODUCT.md's envelope (proposals, drafts, exports)."""
        return envelope_of(self)


def envelope_of(flow) -> dict:
    """PRODUCT.md's envelope of a flow or one of its versions (both carry the same fields)."""
    return {
        "name": flow.name,
        "description": flow.description,
        "tree_type": flow.tree_type,
        "problem_domain": flow.problem_domain,
        "match_keywords": list(flow.match_keywords or []),
        "tree_structure": flow.tree_structure,
    }


def embedded_text(name: str, description: str, keywords) -> str:
    keyword_text = ", ".join(str(k) for k in (keywords or []))
    return ". ".join(part for part in (name, description, keyword_text) if part)


class TreeVersion(AccountOwned):
    """A published state of a flow: every publish stores one, and restore publishes an old one again.

    History: a flow is archived, never deleted, and its versions stay (only erasing the whole Account
    removes them, through `account`).
    """

    id = models.BigAutoField(primary_key=True)
    tree = models.ForeignKey(Tree, on_delete=models.RESTRICT, related_name="versions")
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    tree_type = models.CharField(max_length=20, choices=TreeType.choices)
    tree_structure = models.JSONField()
    problem_domain = models.CharField(max_length=40, null=True, blank=True)
    match_keywords = models.JSONField(default=list, blank=True)
    origin = models.CharField(max_length=20, choices=Origin.choices)
    note = models.CharField(max_length=500, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["tree", "version"], name="uniq_tree_version")]

    def __str__(self):
        return f"{self.name} v{self.version}"

    def envelope(self) -> dict:
        return envelope_of(self)


class DraftSource(models.TextChoices):
    MANUAL = "manual", "Manual"
    PROPOSAL = "proposal", "Flow proposal"
    GAP = "gap", "Knowledge gap"
    IMPORT = "import", "Imported JSON"


class FlowDraft(AccountOwned):
    """A flow being edited: the hand-over from any page to the flow editor (/flows/drafts/<id>/edit/).

    Holds PRODUCT.md's envelope, the flow it will publish onto (if any) and where it came from.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, related_name="+")
    envelope = models.JSONField()
    target_flow = models.ForeignKey(Tree, on_delete=models.RESTRICT, null=True, blank=True, related_name="drafts")
    target_version = models.PositiveIntegerField(null=True, blank=True)
    source_kind = models.CharField(max_length=20, choices=DraftSource.choices, default=DraftSource.MANUAL)
    source_id = models.CharField(max_length=64, blank=True)
    published_flow = models.ForeignKey(Tree, on_delete=models.RESTRICT, null=True, blank=True, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["account", "author", "published_at"])]

    def __str__(self):
        return self.envelope.get("name") or "Untitled draft"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class ProposalType(models.TextChoices):
    NEW_FLOW = "new_flow", "New flow"
    ENHANCEMENT = "enhancement", "Enhancement"
    BRANCH_ADDITION = "branch_addition", "Branch addition"


class ProposalStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    MODIFIED = "modified", "Modified"
    REJECTED = "rejected", "Rejected"
    DISMISSED = "dismissed", "Dismissed"
    AUTO_REINFORCED = "auto_reinforced", "Auto-reinforced"


class GeneratedBy(models.TextChoices):
    LLM = "llm", "LLM"
    RULES = "rules", "Rules"


class FlowProposal(AccountOwned):
    """A proposed new flow or enhancement made by the Knowledge Flywheel from resolved sessions.

    `auto_reinforced` rows only record that a session followed a flow exactly (no review needed).
    `proposed_flow_data` is always PRODUCT.md's envelope; for an enhancement, the whole target flow with
    the change applied, `proposed_diff` the operations against `target_flow_version`.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, on_delete=models.RESTRICT, null=True, blank=True, related_name="+")
    # RESTRICT, not the seed's CASCADE: a proposal (approved ones included) is supported by other sessions too.
    source_session = models.ForeignKey("flowpilot.AISession", on_delete=models.RESTRICT, related_name="proposals")
    proposal_type = models.CharField(max_length=30, choices=ProposalType.choices)
    target_flow = models.ForeignKey(Tree, on_delete=models.RESTRICT, null=True, blank=True, related_name="+")
    target_flow_version = models.PositiveIntegerField(null=True, blank=True)
    departure_node_id = models.CharField(max_length=100, blank=True, help_text="Where the session left the flow.")
    title = models.CharField(max_length=255)
    description = models.TextField(null=True, blank=True)
    proposed_flow_data = models.JSONField()
    proposed_diff = models.JSONField(null=True, blank=True)
    confidence_score = models.FloatField(default=0.0)
    supporting_session_count = models.PositiveIntegerField(default=1)
    supporting_session_ids = models.JSONField(default=list)
    support_at_dismissal = models.PositiveIntegerField(null=True, blank=True)
    problem_domain = models.CharField(max_length=100, null=True, blank=True)
    generated_by = models.CharField(max_length=10, choices=GeneratedBy.choices, default=GeneratedBy.RULES)
    generalised = models.JSONField(
        default=list,
        blank=True,
        help_text='What became a role word: [{"field", "original", "replacement"}] (the review page shows it).',
    )
    kept_rules_reason = models.TextField(
        blank=True,
        default="",
        help_text="Why the rules version was kept although an LLM is configured (budget spent, failed call, refused "
        "answer); empty otherwise.",
    )
    llm_operations = models.JSONField(
        default=list,
        blank=True,
        help_text='The LLM\'s operations on the target flow, as applied: [{"op", "node_id", ..., "words", "reason"}].',
    )
    embedding = VectorField(dimensions=settings.EMBEDDING_DIMENSIONS, null=True, blank=True)
    embedding_model = models.CharField(max_length=100, blank=True)

    status = models.CharField(max_length=30, choices=ProposalStatus.choices, default=ProposalStatus.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    reviewer_notes = models.TextField(null=True, blank=True)
    published_flow = models.ForeignKey(Tree, on_delete=models.RESTRICT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(proposal_type__in=["new_flow", "enhancement", "branch_addition"]),
                name="ck_flow_proposals_type",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["pending", "approved", "modified", "rejected", "dismissed", "auto_reinforced"]
                ),
                name="ck_flow_proposals_status",
            ),
        ]
        indexes = [
            models.Index(fields=["account"], name="proposal_account_idx"),
            models.Index(fields=["team"], name="proposal_team_idx"),
            models.Index(fields=["source_session"], name="proposal_source_session_idx"),
            models.Index(fields=["status"], name="proposal_status_idx"),
            models.Index(fields=["target_flow"], name="proposal_target_flow_idx"),
            models.Index(fields=["created_at"], name="proposal_created_at_idx"),
            models.Index(fields=["account", "status", "created_at"], name="proposal_queue_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_pending(self) -> bool:
        return self.status == ProposalStatus.PENDING

    @property
    def generalised_terms(self) -> list[dict]:
        """What became a role word, each term once (replaced in several fields, it is one line), with the
        index of its first record (the review page's "Put back" names it)."""
        seen, terms = set(), []
        for index, item in enumerate(self.generalised or []):
            key = (item.get("original"), item.get("replacement"))
            if key not in seen:
                seen.add(key)
                terms.append({**item, "index": index})
        return terms


class GeneralisationTerm(AccountOwned):
    """A name the account's admins list as client-specific: proposals built by the flywheel replace it.

    Client names of sessions, PSA companies and the people in a session are known without a list; this
    is for the rest (site names, project codes, a client's nickname)."""

    term = models.CharField(max_length=200)
    replacement = models.CharField(max_length=100, default="the client")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["term"]
        constraints = [  # one row per term, compared without case (add_term updates the row it finds)
            models.UniqueConstraint("account", Lower("term"), name="uniq_generalisation_term_ci")
        ]

    def __str__(self):
        return f"{self.term} → {self.replacement}"
