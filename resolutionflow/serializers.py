from rest_framework import serializers

from resolutionflow.models import Team, User


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
    team = serializers.CharField(source="team.name", default=None)

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "role", "account", "team"]
