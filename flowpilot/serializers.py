from rest_framework import serializers

from flowpilot.engine import MAX_NOTE_LENGTH
from flowpilot.models import AISession, AISessionStep, SessionHandoff, SessionStatus
from flowpilot.psa.push_models import PsaPush, TicketLink
from flowpilot.psa.serializers import PsaPushSerializer, TicketLinkSerializer
from flowpilot.selectors import SCOPES
from knowledge.matching import ConfidenceTier
from resolutionflow.serializers import IdField, ListQuerySerializer, filter_choice


class StepSerializer(serializers.ModelSerializer):
    options = serializers.ListField(child=serializers.CharField(), read_only=True)
    allows_free_text = serializers.SerializerMethodField()
    flow_node_id = serializers.SerializerMethodField()
    flow_id = serializers.UUIDField(read_only=True, allow_null=True)

    class Meta:
        model = AISessionStep
        fields = [
            "id",
            "order",
            "step_type",
            "content",
            "options",
            "allows_free_text",
            "flow_id",
            "flow_node_id",
            "selected_option",
            "free_text_input",
            "was_free_text",
            "action_result",
            "notes",
            "answered_at",
        ]

    def get_allows_free_text(self, step) -> bool:
        # Every open step takes free text: "none of these", "didn't work", or the capture finding itself.
        return step.answered_at is None and step.session.status == "active"

    def get_flow_node_id(self, step) -> str | None:
        return step.flow_node_id or None


class SessionSerializer(serializers.ModelSerializer):
    matched_flow_id = serializers.UUIDField(read_only=True, allow_null=True)
    engineer = serializers.CharField(source="engineer.email", read_only=True)
    intake = serializers.CharField(source="intake_text", read_only=True)
    current_step = serializers.SerializerMethodField()
    ticket_link = serializers.SerializerMethodField()

    class Meta:
        model = AISession
        fields = [
            "id",
            "status",
            "intake",
            "intake_content",
            "problem_summary",
            "problem_domain",
            "confidence_tier",
            "matched_flow_id",
            "match_score",
            "candidate_matches",
            "mode",
            "engineer",
            "created_at",
            "resolved_at",
            "escalated_at",
            "abandoned_at",
            "analysis_status",
            "rating",
            "current_step",
            "ticket_link",
        ]

    def get_ticket_link(self, session) -> dict | None:
        link = TicketLink.objects.filter(session_id=session.pk).first()
        return TicketLinkSerializer(link).data if link else None

    def get_current_step(self, session) -> dict | None:
        step = self.context.get("current_step")
        if step is None:
            step = session.steps.order_by("-order").first()
        return StepSerializer(step).data if step else None


class SessionDetailSerializer(SessionSerializer):
    steps = serializers.SerializerMethodField()
    handoffs = serializers.SerializerMethodField()
    psa_pushes = serializers.SerializerMethodField()

    class Meta(SessionSerializer.Meta):
        fields = [
            *SessionSerializer.Meta.fields,
            "steps",
            "resolution_summary",
            "documentation",
            "feedback",
            "escalation_reason",
            "handoff_summary",
            "handoffs",
            "abandon_reason",
            "conversation_messages",
            "psa_pushes",
        ]

    def get_psa_pushes(self, session) -> list[dict]:
        pushes = PsaPush.objects.filter(session_id=session.pk).select_related("engineer").order_by("created_at", "id")
        return PsaPushSerializer(pushes, many=True).data

    def get_handoffs(self, session) -> list[dict]:
        """Each escalation with its structured hand-off and its pick-up, oldest first."""
        if session.escalated_at is None:
            return []
        handed = session.handoffs.select_related("escalated_by", "escalated_to_user", "picked_up_by")
        return HandoffSerializer(handed, many=True).data

    def get_steps(self, session) -> list[dict]:
        return StepSerializer(session.steps.order_by("order"), many=True).data


class SessionListSerializer(serializers.ModelSerializer):
    matched_flow_id = serializers.UUIDField(read_only=True, allow_null=True)
    engineer = serializers.CharField(source="engineer.email", read_only=True)

    class Meta:
        model = AISession
        fields = [
            "id",
            "status",
            "problem_summary",
            "problem_domain",
            "confidence_tier",
            "matched_flow_id",
            "match_score",
            "engineer",
            "created_at",
            "resolved_at",
            "analysis_status",
        ]


class StartSessionSerializer(serializers.Serializer):
    """The problem (`intake`), or a PSA ticket (`ticket_id`) whose summary and description become it."""

    intake = serializers.CharField(
        max_length=10_000,
        trim_whitespace=True,
        required=False,
        allow_blank=True,
        default="",
        help_text="The problem. May be left out when `ticket_id` names a PSA ticket: the ticket's text fills it.",
    )
    client_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    device = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    ticket_id = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    prefer_capture = serializers.BooleanField(required=False, default=False)

    def validate(self, data):
        if not data["intake"] and not data["ticket_id"]:
            raise serializers.ValidationError(
                {"intake": ["Describe the problem, or give the ticket_id of a PSA ticket to start from."]}
            )
        return data


class AnswerSerializer(serializers.Serializer):
    selected_option = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    free_text = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    result = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    action_result = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    note = serializers.CharField(required=False, allow_blank=True, max_length=MAX_NOTE_LENGTH)

    def validate(self, data):
        given = [k for k in ("selected_option", "free_text", "action_result", "note") if k in data]
        if len(given) != 1:
            raise serializers.ValidationError("Give exactly one of selected_option, free_text, action_result, note.")
        return data


class ResolveSerializer(serializers.Serializer):
    resolution_summary = serializers.CharField(max_length=10_000)
    rating = serializers.IntegerField(required=False, min_value=1, max_value=5, allow_null=True)
    feedback = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    worked_minutes = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=100_000)


class EscalateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)
    target_user_id = IdField(required=False, allow_null=True)
    target_team_id = IdField(required=False, allow_null=True)


class AbandonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class SwitchFlowSerializer(serializers.Serializer):
    flow_id = IdField()


class HandoffSerializer(serializers.ModelSerializer):
    """One escalation of a session and its pick-up."""

    escalated_by = serializers.EmailField(source="escalated_by.email", read_only=True)
    escalated_to_user = serializers.EmailField(source="escalated_to_user.email", read_only=True, allow_null=True)
    escalated_to_team_id = serializers.UUIDField(read_only=True, allow_null=True)
    picked_up_by = serializers.EmailField(source="picked_up_by.email", read_only=True, allow_null=True)
    state = serializers.ChoiceField(
        choices=["picked_up", "waiting", "closed"],
        read_only=True,
        help_text="closed: its session was resolved while it waited, without a pick-up.",
    )

    class Meta:
        model = SessionHandoff
        fields = [
            "id",
            "escalated_by",
            "escalated_to_user",
            "escalated_to_team_id",
            "reason",
            "handoff",
            "text",
            "source",
            "escalated_at",
            "picked_up_by",
            "picked_up_at",
            "state",
        ]


class EscalationSerializer(serializers.ModelSerializer):
    """An escalated session waiting in an inbox, with its hand-off (`handoff` is null for a session escalated
    before hand-offs were structured: `handoff_summary` has its text)."""

    engineer = serializers.EmailField(source="engineer.email", read_only=True)
    escalated_to_user = serializers.EmailField(source="escalated_to_user.email", read_only=True, allow_null=True)
    escalated_to_team_id = serializers.UUIDField(read_only=True, allow_null=True)
    handoff = serializers.SerializerMethodField()

    class Meta:
        model = AISession
        fields = [
            "id",
            "problem_summary",
            "problem_domain",
            "confidence_tier",
            "engineer",
            "escalation_reason",
            "escalated_to_user",
            "escalated_to_team_id",
            "escalated_at",
            "created_at",
            "handoff_summary",
            "handoff",
        ]

    def get_handoff(self, session) -> dict | None:
        waiting = getattr(session, "waiting_handoffs", None)
        return waiting[0].handoff if waiting else None


class SessionListQuerySerializer(ListQuerySerializer):
    """GET /api/v1/ai-sessions?scope=&status=&problem_domain=&confidence_tier= (scope: all by default)."""

    scope = filter_choice(SCOPES, default="all")
    status = filter_choice(SessionStatus.values)
    problem_domain = filter_choice([])
    confidence_tier = filter_choice(ConfidenceTier.values)
