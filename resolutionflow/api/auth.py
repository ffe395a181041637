"""POST /api/v1/auth/token: trade an e-mail and password for an API token, and the token's lifetime.

A token answers 401 API_TOKEN_LIFETIME_HOURS after it was issued. Asking for a token again rotates it:
the new token replaces the old one, which stops working at once. Failed requests count towards the
sign-in lockout (resolutionflow/lockout.py) like the page and admin sign-ins.
"""

from django.contrib.auth import authenticate
from django.db import transaction
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from resolutionflow.api.authentication import token_expires_at
from resolutionflow.lockout import lockout_response, unlock_sign_in
from resolutionflow.models import User
from resolutionflow.throttling import CountedRateThrottle


@transaction.atomic
def issue_token(user) -> Token:
    """A new token for `user`, replacing (and so revoking) any earlier one.

    The user's row is locked so that two simultaneous requests cannot both create a token.
    """
    User.objects.select_for_update().get(pk=user.pk)
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


class TokenByEmailThrottle(CountedRateThrottle):
    """Guessing one person's password: a few tries a minute per e-mail address."""

    scope = "token_email"

    def get_cache_key(self, request, view):
        email = str(request.data.get("email", "")).strip().lower() if hasattr(request.data, "get") else ""
        if not email:
            return None
        return self.cache_format % {"scope": self.scope, "ident": email}


class TokenByIPThrottle(CountedRateThrottle):
    """Spraying many addresses from one client: a looser limit per IP."""

    scope = "token_ip"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


class ObtainTokenView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenByIPThrottle, TokenByEmailThrottle]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: inline_serializer(
                "TokenResponse", {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()}
            )
        },
        auth=[],
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request,
            username=serializer.validated_data["email"].lower(),
            password=serializer.validated_data["password"],
        )
        if getattr(request, "axes_locked_out", False):
            return lockout_response(request)
        if user is None or user.account_id is None:
            return Response({"detail": "Invalid e-mail or password."}, status=status.HTTP_401_UNAUTHORIZED)
        unlock_sign_in(user)
        token = issue_token(user)
        return Response({"token": token.key, "expires_at": token_expires_at(token)})
