"""API authentication classes (kept apart from views: DRF imports them while `rest_framework.views` loads)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


def token_expires_at(token):
    return token.created + timedelta(hours=settings.API_TOKEN_LIFETIME_HOURS)


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing a token older than API_TOKEN_LIFETIME_HOURS with 401, and
    reading the user's account with the token (every API request scopes by it: one query, not two)."""

    def authenticate_credentials(self, key):
        try:
            token = self.get_model().objects.select_related("user__account").get(key=key)
        except self.get_model().DoesNotExist:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        if token_expires_at(token) <= timezone.now():
            raise exceptions.AuthenticationFailed("Token expired: request a new one from POST /api/v1/auth/token.")
        return user, token
