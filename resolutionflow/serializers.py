from rest_framework import serializers

from resolutionflow.list_filters import domain_choices
from resolutionflow.models import Team, User


class ListQuerySerializer(serializers.Serializer):
    """A list endpoint's filters from the query string. A value the endpoint does not know answers 400 with the
    field's error (`{"status": ["\"x\" is not a valid choice."]}`); the pages' lists ignore it with a warning
    instead (resolutionflow.list_filters). A `problem_domain` field takes the domains setting and "unknown"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "problem_domain" in self.fields:
            self.fields["problem_domain"].choices = [value for value, _ in domain_choices() if value]

    @classmethod
    def read(cls, request) -> dict:
        """The validated filters of `request`'s query string; ValidationError (400) for an unknown value."""
        query = cls(data=request.query_params)
        query.is_valid(raise_exception=True)
        return query.validated_data


class IdField(serializers.UUIDField):
    """An object's id in a request body: a UUID written as a string. DRF's own field also takes a JSON number
    (`5` becomes 00000000-0000-0000-0000-000000000005, then a 404): a number is a wrong type, a 400."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


def filter_choice(choices, default: str = "") -> serializers.ChoiceField:
    """An optional filter among `choices` (blank: no filter, or `default`)."""
    return serializers.ChoiceField(choices=list(choices), required=False, allow_blank=True, default=default)


class MemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "full_name", "role"]


class TeamSerializer(serializers.ModelSerializer):
    members = MemberSerializer(many=True, read_only=True)

    class Meta:
        model = Team
        fields = ["id", "name", "created_at", "members"]


class MeSerializer(serializers.ModelSerializer):
    account = serializers.CharField(source="account.name")
    team = serializers.CharField(source="team.name", default=None, allow_null=True)

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "role", "account", "team"]
