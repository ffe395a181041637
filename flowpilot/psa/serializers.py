"""A session's ticket link and pushes as the sessions API shows them (read-only: links are made by the
intake and the session page, pushes by resolve and escalate)."""

from rest_framework import serializers

from flowpilot.psa.push_models import PsaPush, TicketLink


class TicketLinkSerializer(serializers.ModelSerializer):
    class Meta:
        model = TicketLink
        fields = ["provider", "number", "ticket_id", "summary", "company", "status", "verified_at", "checked_at"]


class PsaPushSerializer(serializers.ModelSerializer):
    hours = serializers.CharField(read_only=True, allow_null=True)
    engineer = serializers.EmailField(source="engineer.email", read_only=True, allow_null=True)

    class Meta:
        model = PsaPush
        fields = [
            "id",
            "kind",
            "status",
            "engineer",
            "hours",
            "attempts",
            "next_attempt_at",
            "last_error",
            "external_id",
            "first_attempt_succeeded",
            "created_at",
            "sent_at",
        ]
