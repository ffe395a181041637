from rest_framework import serializers

from resolutionflow.serializers import IdField, ListQuerySerializer
from scripts.models import ScriptCategory, ScriptGeneration, ScriptTemplate


class ScriptTemplateSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    scope = serializers.SerializerMethodField(help_text="builtin, account or team")
    team_id = serializers.UUIDField(read_only=True, allow_null=True)
    parameters = serializers.SerializerMethodField()

    class Meta:
        model = ScriptTemplate
        fields = [
            "id",
            "slug",
            "name",
            "description",
            "category",
            "scope",
            "team_id",
            "parameters",
            "body",
            "requires_elevation",
            "version",
            "usage_count",
            "is_active",
            "updated_at",
        ]
        read_only_fields = fields

    def get_scope(self, template) -> str:
        if template.is_builtin:
            return "builtin"
        return "team" if template.team_id else "account"

    def get_parameters(self, template) -> list[dict]:
        """The schema's parameters, each {"key", "label", "type", "required", ...}."""
        return [parameter.as_dict() for parameter in template.parameters]


class GenerateSerializer(serializers.Serializer):
    template_id = IdField()
    parameters = serializers.DictField(child=serializers.JSONField(), required=False, default=dict)
    ai_session_id = IdField(required=False, allow_null=True)


class GenerateResponseSerializer(serializers.Serializer):
    generation_id = serializers.UUIDField()
    script = serializers.CharField(help_text="The full script: returned once, never stored.")


class ScriptGenerationSerializer(serializers.ModelSerializer):
    template_id = serializers.UUIDField(read_only=True, allow_null=True)
    user_id = serializers.UUIDField(read_only=True, allow_null=True)
    ai_session_id = serializers.UUIDField(read_only=True, allow_null=True)

    class Meta:
        model = ScriptGeneration
        fields = [
            "id",
            "template_id",
            "template_name",
            "template_version",
            "parameters",
            "script",
            "user_id",
            "ai_session_id",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {"script": {"help_text": "The generated script with every secret value as '<redacted>'."}}


class TemplateListQuerySerializer(ListQuerySerializer):
    """GET /api/v1/scripts/templates?q=&category= (a category's slug)."""

    q = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    category = serializers.SlugRelatedField(
        slug_field="slug", queryset=ScriptCategory.objects.all(), required=False, allow_null=True, default=None
    )
