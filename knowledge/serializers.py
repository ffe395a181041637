from django.conf import settings
from rest_framework import serializers

from knowledge.envelope import MAX_DESCRIPTION, MAX_KEYWORD_LENGTH, MAX_KEYWORDS, MAX_NAME, too_many_keywords
from knowledge.forms import SEARCH_LENGTH
from knowledge.matching import ConfidenceTier
from knowledge.models import FlowProposal, Origin, ProposalStatus, ProposalType, Tree, TreeStatus, TreeType, TreeVersion
from knowledge.selectors import FLOW_SORTS, PROPOSAL_SORTS, PROPOSAL_TABS
from knowledge.tree_format import TREE_TYPES
from resolutionflow.serializers import ListQuerySerializer, filter_choice

FLOW_FIELDS = [
    "id",
    "name",
    "description",
    "tree_type",
    "tree_structure",
    "problem_domain",
    "match_keywords",
    "origin",
    "status",
    "version",
    "times_matched",
    "times_followed",
    "success_count",
    "success_rate",
    "last_matched_at",
    "team_id",
    "created_at",
    "updated_at",
    "published_at",
]


class KeywordsField(serializers.ListField):
    """`match_keywords` as it enters: at most `MAX_KEYWORDS` items, counted before any item is checked, so
    a request with 10,000 keywords is refused at once (400) rather than cut silently."""

    child = serializers.CharField(max_length=MAX_KEYWORD_LENGTH)

    def to_internal_value(self, data):
        if isinstance(data, list) and len(data) > MAX_KEYWORDS:
            raise serializers.ValidationError(too_many_keywords(len(data)))
        return super().to_internal_value(data)


class FlowSerializer(serializers.ModelSerializer):
    team_id = serializers.UUIDField(read_only=True, allow_null=True)

    class Meta:
        model = Tree
        fields = FLOW_FIELDS
        read_only_fields = FLOW_FIELDS


class FlowWriteSerializer(serializers.Serializer):
    """The envelope of PRODUCT.md plus publishing options. The tree itself is checked by the one validator."""

    name = serializers.CharField(max_length=MAX_NAME)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=MAX_DESCRIPTION)
    tree_type = serializers.ChoiceField(choices=TREE_TYPES, required=False)
    problem_domain = serializers.ChoiceField(choices=settings.PROBLEM_DOMAINS, required=False, allow_null=True)
    match_keywords = KeywordsField(required=False, default=list)
    tree_structure = serializers.JSONField()
    status = serializers.ChoiceField(choices=["draft", "published"], required=False, default="published")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    expected_version = serializers.IntegerField(required=False, min_value=0)

    def envelope(self) -> dict:
        data = self.validated_data
        return {
            key: data[key]
            for key in ("name", "description", "tree_type", "problem_domain", "match_keywords", "tree_structure")
            if key in data
        }


class FlowVersionSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.email", default=None, allow_null=True)

    class Meta:
        model = TreeVersion
        fields = [
            "version",
            "name",
            "description",
            "tree_type",
            "tree_structure",
            "problem_domain",
            "match_keywords",
            "origin",
            "note",
            "author",
            "created_at",
        ]


class MatchRequestSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=10_000)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=20, default=5)


class MatchSerializer(serializers.Serializer):
    flow_id = serializers.UUIDField()
    name = serializers.CharField()
    score = serializers.FloatField()


class MatchResponseSerializer(serializers.Serializer):
    matches = MatchSerializer(many=True)
    confidence_tier = serializers.ChoiceField(choices=ConfidenceTier.values)


class ProposalSummarySerializer(serializers.ModelSerializer):
    """The seed's FlowProposalSummary."""

    target_flow_id = serializers.UUIDField(read_only=True, allow_null=True)
    target_flow_name = serializers.CharField(source="target_flow.name", default=None, allow_null=True, read_only=True)
    source_session_id = serializers.UUIDField(read_only=True)

    class Meta:
        model = FlowProposal
        fields = [
            "id",
            "proposal_type",
            "title",
            "description",
            "problem_domain",
            "confidence_score",
            "supporting_session_count",
            "status",
            "target_flow_id",
            "target_flow_name",
            "source_session_id",
            "created_at",
        ]


class ProposalDetailSerializer(ProposalSummarySerializer):
    """The seed's FlowProposalDetail."""

    reviewed_by = serializers.UUIDField(source="reviewed_by_id", read_only=True, allow_null=True)
    published_flow_id = serializers.UUIDField(read_only=True, allow_null=True)

    class Meta(ProposalSummarySerializer.Meta):
        fields = [
            *ProposalSummarySerializer.Meta.fields,
            "proposed_flow_data",
            "proposed_diff",
            "supporting_session_ids",
            "reviewer_notes",
            "reviewed_by",
            "reviewed_at",
            "published_flow_id",
            "generated_by",
            "kept_rules_reason",
            "llm_operations",
            "target_flow_version",
        ]


class ReviewRequestSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["approve", "modify", "reject", "dismiss"])
    reviewer_notes = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=5000)
    modified_flow_data = serializers.JSONField(required=False, allow_null=True)
    force = serializers.BooleanField(required=False, default=False)

    def validate_modified_flow_data(self, value):
        """The keyword cap where the envelope enters (the envelope cleaner checks the rest)."""
        keywords = value.get("match_keywords") if isinstance(value, dict) else None
        if isinstance(keywords, list) and len(keywords) > MAX_KEYWORDS:
            raise serializers.ValidationError({"match_keywords": [too_many_keywords(len(keywords))]})
        return value


class ProposalStatsSerializer(serializers.Serializer):
    pending_count = serializers.IntegerField()
    approved_this_week = serializers.IntegerField()
    rejected_this_week = serializers.IntegerField()
    auto_reinforced_this_week = serializers.IntegerField()
    top_domains = serializers.ListField(child=serializers.DictField())


class FlowListQuerySerializer(ListQuerySerializer):
    """GET /api/v1/flows?q=&problem_domain=&origin=&tree_type=&status=&sort="""

    q = serializers.CharField(required=False, allow_blank=True, max_length=SEARCH_LENGTH, default="")
    problem_domain = filter_choice([])
    origin = filter_choice(Origin.values)
    tree_type = filter_choice(TreeType.values)
    status = filter_choice(TreeStatus.values)
    sort = filter_choice(FLOW_SORTS, default="name")


class ProposalListQuerySerializer(ListQuerySerializer):
    """GET /api/v1/flow-proposals?status=&proposal_type=&problem_domain=&sort= (a status, or a queue tab)."""

    status = filter_choice(sorted({*ProposalStatus.values, *PROPOSAL_TABS}))
    proposal_type = filter_choice(ProposalType.values)
    problem_domain = filter_choice([])
    sort = filter_choice(PROPOSAL_SORTS, default="newest")
