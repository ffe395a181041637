"""A session's ticket link and pushes as the sessions API shows them (read-only: links are made by the
intake and the session page, pushes by resolve and escalate). Plain serializers with their fields declared:
they are built on every resolve's answer, where a ModelSerializer's field introspection would show."""

from rest_framework import serializers


class TicketLinkSerializer(serializers.Serializer):
    provider = serializers.CharField()
    number = serializers.CharField()
    ticket_id = serializers.CharField()
    summary = serializers.CharField()
    company = serializers.CharField()
    status = serializers.CharField()
    verified_at = serializers.DateTimeField(allow_null=True)
    checked_at = serializers.DateTimeField(allow_null=True)


class PsaPushSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField()
    engineer = serializers.EmailField(source="engineer.email", allow_null=True, default=None)
    hours = serializers.CharField(allow_null=True)
    attempts = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField()
    external_id = serializers.CharField()
    first_attempt_succeeded = serializers.BooleanField(allow_null=True)
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
