"""FlowPilot sessions and their steps: the faithful record the flywheel learns from."""

import uuid

from django.conf import settings
from django.db import models
from pgvector.django import VectorField

from knowledge.matching import ConfidenceTier
from resolutionflow.models import AccountOwned, Team


class SessionStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    RESOLVED = "resolved", "Resolved"
    ESCALATED = "escalated", "Escalated"
    ABANDONED = "abandoned", "Abandoned"


class SessionMode(models.TextChoices):
    """How the next step is produced."""

    GUIDED = "guided", "Walking a flow"
    FLOW_CHOICE = "flow_choice", "Choosing a flow"
    LLM = "llm", "FlowPilot (AI)"
    CAPTURE = "capture", "Capture"


class AnalysisStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class LeftFlowReason(models.TextChoices):
    FREE_TEXT = "free_text", "Free-text escape"
    OPEN_END = "open_end", "Reached an open end"
    FLOW_ENDED = "flow_ended", "The flow ended without a solution"


class AISession(AccountOwned):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, on_delete=models.RESTRICT, null=True, blank=True, related_name="+")
    engineer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, related_name="ai_sessions")

    intake_content = models.JSONField(help_text='{"text", "client_name", "device", "ticket_id"}')
    intake_embedding = VectorField(dimensions=settings.EMBEDDING_DIMENSIONS, null=True, blank=True)
    intake_embedding_model = models.CharField(max_length=100, blank=True)
    problem_summary = models.CharField(max_length=300, blank=True)
    problem_domain = models.CharField(max_length=40, null=True, blank=True)

    status = models.CharField(max_length=20, choices=SessionStatus.choices, default=SessionStatus.ACTIVE)
    mode = models.CharField(max_length=20, choices=SessionMode.choices, default=SessionMode.CAPTURE)
    confidence_tier = models.CharField(max_length=20, choices=ConfidenceTier.choices)
    matched_flow = models.ForeignKey(
        "knowledge.Tree", on_delete=models.RESTRICT, null=True, blank=True, related_name="matched_sessions"
    )
    matched_flow_version = models.PositiveIntegerField(null=True, blank=True)
    match_score = models.FloatField(null=True, blank=True)
    candidate_matches = models.JSONField(default=list, blank=True, help_text='[{"flow_id", "name", "score"}]')
    current_node_id = models.CharField(max_length=100, blank=True)
    left_flow_node_id = models.CharField(max_length=100, blank=True)
    left_flow_reason = models.CharField(max_length=20, choices=LeftFlowReason.choices, blank=True)
    conversation_messages = models.JSONField(default=list, blank=True)

    resolution_summary = models.TextField(blank=True)
    resolution_node_id = models.CharField(max_length=100, blank=True)
    documentation = models.TextField(blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    feedback = models.TextField(blank=True)
    escalation_reason = models.TextField(blank=True)
    escalated_to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, null=True, blank=True, related_name="escalations"
    )
    escalated_to_team = models.ForeignKey(Team, on_delete=models.RESTRICT, null=True, blank=True, related_name="+")
    handoff_summary = models.TextField(blank=True)
    abandon_reason = models.TextField(blank=True)
    outcome_recorded = models.BooleanField(default=False)
    answered_step_count = models.PositiveIntegerField(default=0, db_default=0, help_text="Kept by the engine.")

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    abandoned_at = models.DateTimeField(null=True, blank=True)

    analysis_status = models.CharField(max_length=20, choices=AnalysisStatus.choices, null=True, blank=True)
    # Flywheel bookkeeping: claims are leased, failures retried with backoff (flowpilot.analysis_queue).
    analysis_attempts = models.PositiveSmallIntegerField(default=0, db_default=0)
    analysis_error = models.TextField(blank=True, default="", db_default="")
    analysis_lease_until = models.DateTimeField(null=True, blank=True)
    analysis_next_attempt_at = models.DateTimeField(null=True, blank=True)
    analysis_outcome = models.CharField(max_length=30, blank=True, default="", db_default="")
    analysis_reason = models.CharField(max_length=300, blank=True, default="", db_default="")

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["account", "created_at"], name="session_account_created_idx"),
            models.Index(fields=["account", "resolved_at"], name="session_account_resolved_idx"),
            models.Index(fields=["account", "status", "created_at"]),
            models.Index(fields=["account", "engineer", "created_at"]),
            models.Index(fields=["account", "team", "created_at"]),
            models.Index(fields=["account", "problem_domain", "created_at"]),
            models.Index(
                fields=["analysis_status"],
                name="session_analysis_pending",
                condition=models.Q(analysis_status="pending"),
            ),
            # The escalations inbox: what waits for a person, or for a team, oldest or newest first.
            models.Index(
                fields=["escalated_to_user", "escalated_at"],
                name="session_waiting_user_idx",
                condition=models.Q(status="escalated"),
            ),
            models.Index(
                fields=["escalated_to_team", "escalated_at"],
                name="session_waiting_team_idx",
                condition=models.Q(status="escalated"),
            ),
            models.Index(
                fields=["account", "escalated_at"], name="session_waiting_idx", condition=models.Q(status="escalated")
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="session_rating_1_to_5",
            ),
        ]

    def __str__(self):
        return self.problem_summary or self.intake_text[:80]

    @property
    def intake_text(self) -> str:
        return (self.intake_content or {}).get("text", "")

    @property
    def is_active(self) -> bool:
        return self.status == SessionStatus.ACTIVE

    @property
    def closed_at(self):
        return self.resolved_at or self.escalated_at or self.abandoned_at


class StepType(models.TextChoices):
    QUESTION = "question", "Question"
    ACTION = "action", "Action"
    SOLUTION = "solution", "Solution"
    SCRIPT_GENERATION = "script_generation", "Script"
    CAPTURE = "capture", "Capture"


class AISessionStep(models.Model):
    """One step FlowPilot showed, and what the engineer did with it."""

    id = models.BigAutoField(primary_key=True)
    session = models.ForeignKey(AISession, on_delete=models.CASCADE, related_name="steps")  # part of its session
    order = models.PositiveIntegerField()
    step_type = models.CharField(max_length=20, choices=StepType.choices)
    content = models.JSONField(
        help_text='{"text", "options", "instructions", "script", "confidence", "reasoning", "source"}'
    )
    flow = models.ForeignKey("knowledge.Tree", on_delete=models.RESTRICT, null=True, blank=True, related_name="+")
    flow_node_id = models.CharField(max_length=100, blank=True)

    selected_option = models.CharField(max_length=300, blank=True)
    free_text_input = models.TextField(blank=True)
    was_free_text = models.BooleanField(default=False)
    action_result = models.TextField(blank=True)
    notes = models.JSONField(default=list, blank=True)
    script_generation = models.ForeignKey(
        "scripts.ScriptGeneration", on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "order"]
        constraints = [models.UniqueConstraint(fields=["session", "order"], name="uniq_step_order")]
        indexes = [
            models.Index(fields=["flow", "flow_node_id"]),
            # Knowledge gaps read recent question steps per flow (analytics.gaps.weak_options).
            models.Index(
                fields=["flow", "created_at"],
                name="step_flow_question_recent_idx",
                condition=models.Q(step_type="question"),
            ),
        ]

    def __str__(self):
        return f"{self.get_step_type_display()} {self.order}"

    @property
    def options(self) -> list[str]:
        return list((self.content or {}).get("options") or [])

    @property
    def text(self) -> str:
        return (self.content or {}).get("text", "")

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class FlowNodeDay(models.Model):
    """A rollup kept as sessions are answered: how often a flow question was shown and escaped, per day.

    The knowledge gap report reads these instead of millions of step rows (flowpilot/rollups.py keeps it).
    """

    id = models.BigAutoField(primary_key=True)
    flow = models.ForeignKey("knowledge.Tree", on_delete=models.CASCADE, related_name="+")
    node_id = models.CharField(max_length=100)
    day = models.DateField()
    shown = models.PositiveIntegerField(default=0)
    escapes = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["flow", "node_id", "day"], name="uniq_flow_node_day")]
        indexes = [models.Index(fields=["flow", "day"])]

    def __str__(self):
        return f"{self.node_id} on {self.day}: {self.escapes}/{self.shown}"


class SessionDay(models.Model):
    """Sessions created on one day (in the account's time zone), per domain and tier: the dashboard's rollup.

    Recomputed for a day whenever one of its sessions starts or closes (flowpilot/rollups.py).
    """

    id = models.BigAutoField(primary_key=True)
    account = models.ForeignKey("resolutionflow.Account", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    problem_domain = models.CharField(max_length=40, null=True, blank=True)
    confidence_tier = models.CharField(max_length=20)
    total = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    escalated = models.PositiveIntegerField(default=0, help_text="Escalated at least once, picked up or not.")
    abandoned = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(
        default=0, db_default=0, help_text="Resolved, escalated (even if picked up since) or abandoned: each once."
    )
    picked_up = models.PositiveIntegerField(default=0, db_default=0, help_text="Hand-offs picked up.")
    pickup_seconds = models.FloatField(default=0, db_default=0, help_text="Their waits, escalation to pick-up.")
    steps_resolved = models.PositiveIntegerField(default=0)
    closed_seconds = models.FloatField(default=0)
    rating_sum = models.PositiveIntegerField(default=0)
    rating_count = models.PositiveIntegerField(default=0)
    with_ticket = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["account", "day"])]

    def __str__(self):
        return f"{self.day} {self.problem_domain or 'unknown'} {self.confidence_tier}: {self.total}"


class ResolutionDay(models.Model):
    """Sessions resolved on one day (in the account's time zone): MTTR and its trend."""

    id = models.BigAutoField(primary_key=True)
    account = models.ForeignKey("resolutionflow.Account", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    resolved = models.PositiveIntegerField(default=0)
    resolution_seconds = models.FloatField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "day"], name="uniq_resolution_day")]

    def __str__(self):
        return f"{self.day}: {self.resolved} resolved"


class HandoffSource(models.TextChoices):
    RULES = "rules", "Rules"
    LLM = "llm", "FlowPilot AI"


class SessionHandoff(AccountOwned):
    """One escalation of a session and its pick-up: the hand-off as it was written, and who held the session
    when (the engineer who escalated held it until `escalated_at`; whoever picked it up holds it from
    `picked_up_at`). A session has at most one hand-off waiting to be picked up."""

    id = models.BigAutoField(primary_key=True)
    session = models.ForeignKey(AISession, on_delete=models.CASCADE, related_name="handoffs")  # part of its session
    escalated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, related_name="+")
    escalated_to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    escalated_to_team = models.ForeignKey(Team, on_delete=models.RESTRICT, null=True, blank=True, related_name="+")
    reason = models.TextField()
    handoff = models.JSONField(
        default=dict,
        help_text='{"problem", "environment": [{"label", "value"}], "tried", "stopped_at", "suspected_cause", '
        '"next_steps", "reason", "escalated_by", "escalated_to", "time_spent", "source"}',
    )
    text = models.TextField(help_text="The hand-off as the page and the PSA's internal note show it.")
    source = models.CharField(max_length=10, choices=HandoffSource.choices, default=HandoffSource.RULES)
    steps_before = models.PositiveIntegerField(default=0, help_text="Steps recorded when it was escalated.")
    escalated_at = models.DateTimeField()
    picked_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    picked_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session", "escalated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["session"], condition=models.Q(picked_up_at__isnull=True), name="uniq_waiting_handoff"
            ),
            models.CheckConstraint(
                condition=models.Q(picked_up_at__isnull=True, picked_up_by__isnull=True)
                | models.Q(picked_up_at__isnull=False, picked_up_by__isnull=False),
                name="handoff_picked_up_by_and_at",
            ),
        ]
        indexes = [
            # "Sessions I held": the session lists look up hand-offs by who escalated them.
            models.Index(fields=["escalated_by", "session"], name="handoff_escalated_by_idx"),
            models.Index(fields=["account", "picked_up_at"], name="handoff_account_picked_idx"),
        ]

    def __str__(self):
        return f"Hand-off of {self.session_id} at {self.escalated_at:%Y-%m-%d %H:%M}"

    @property
    def is_waiting(self) -> bool:
        """Not picked up and its session still escalated: a session its target resolved without picking it
        up (allowed: flowpilot.engine.state) leaves its last hand-off closed, not waiting."""
        return self.picked_up_at is None and self.session.status == SessionStatus.ESCALATED

    @property
    def state(self) -> str:
        """picked_up, waiting or closed (its session was closed while it waited)."""
        if self.picked_up_at is not None:
            return "picked_up"
        return "waiting" if self.is_waiting else "closed"


# The PSA connection and per-engineer identities, ticket links and the push outbox live beside the PSA code;
# they are flowpilot's models.
from flowpilot.psa.models import PsaConnection, PsaUserIdentity  # noqa: E402, F401
from flowpilot.psa.push_models import LinkStatus, PsaPush, PushKind, PushStatus, TicketLink  # noqa: E402, F401
