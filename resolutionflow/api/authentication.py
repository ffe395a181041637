"""API authentication classes (kept apart from views: DRF imports them while `rest_framework.views` loads)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


def token_expires_at(token):
    return token.created + timedelta(hours=settings.API_TOKEN_LIFETIME_HOURS)


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing a token older than API_TOKEN_LIFETIME_HOURS with 401."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expires_at(token) <= timezone.now():
            raise exceptions.AuthenticationFailed("Token expired: request a new one from POST /api/v1/auth/token.")
        return user, token
