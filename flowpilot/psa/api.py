"""`GET /api/v1/psa/connection`: the account's PSA connection for its owners, without its credentials.

What an integration may read: the provider, its non-secret settings, whether credentials are saved and the
last test. The credentials themselves never leave the server (they are changed on the settings page or in the
Django admin).
"""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from flowpilot.psa import connection as connections
from resolutionflow.permissions import IsOwner


def connection_body(connection) -> dict:
    """The connection as the API shows it: never a secret, nor the encrypted token."""
    return {
        "provider": connection.provider,
        "is_enabled": connection.is_enabled,
        "settings": connection.provider_settings(),
        "has_credentials": connection.has_secrets,
        "credentials_problem": connections.credentials_problem(connection),
        "last_test": {
            "ok": connection.last_test_ok,
            "message": connection.last_test_message,
            "at": connection.last_tested_at,
        },
        "updated_at": connection.updated_at,
    }


class PsaConnectionView(APIView):
    permission_classes: list[type[BasePermission]] = [IsOwner]

    @extend_schema(
        summary="The account's PSA connection (without credentials)",
        responses=inline_serializer(
            "PsaConnection",
            {
                "provider": serializers.CharField(),
                "is_enabled": serializers.BooleanField(),
                "settings": serializers.DictField(child=serializers.CharField()),
                "has_credentials": serializers.BooleanField(),
                "credentials_problem": serializers.CharField(),
                "last_test": serializers.DictField(),
                "updated_at": serializers.DateTimeField(),
            },
        ),
    )
    def get(self, request):
        connection = connections.connection_of(request.user.account)
        if connection is None:
            raise NotFound("This account has no PSA connection.")
        return Response(connection_body(connection))
