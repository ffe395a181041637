from django.conf import settings
from rest_framework import serializers

from knowledge.models import Tree, TreeVersion

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


class FlowSerializer(serializers.ModelSerializer):
    team_id = serializers.UUIDField(read_only=True, allow_null=True)

    class Meta:
        model = Tree
        fields = FLOW_FIELDS
        read_only_fields = FLOW_FIELDS


class FlowWriteSerializer(serializers.Serializer):
    """The envelope of PRODUCT.md plus publishing options. The tree itself is checked by the one validator."""

    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    tree_type = serializers.ChoiceField(choices=["troubleshooting", "procedural"], required=False)
    problem_domain = serializers.ChoiceField(choices=settings.PROBLEM_DOMAINS, required=False, allow_null=True)
    match_keywords = serializers.ListField(child=serializers.CharField(max_length=80), required=False, default=list)
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
    author = serializers.CharField(source="author.email", default=None)

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
    confidence_tier = serializers.ChoiceField(choices=["guided", "exploring", "discovery"])
