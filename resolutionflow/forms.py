"""The sign-in forms: Django's, with the lockout message instead of "wrong password" for a locked-out client."""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from resolutionflow.lockout import lockout_message


class LockoutAwareMixin:
    """`authenticate` marks the request when Axes refuses it (or this failure reached a limit)."""

    def get_invalid_login_error(self):
        if getattr(self.request, "axes_locked_out", False):
            return ValidationError(lockout_message(), code="locked_out")
        return super().get_invalid_login_error()


class SignInForm(LockoutAwareMixin, AuthenticationForm):
    pass


class AdminSignInForm(LockoutAwareMixin, AdminAuthenticationForm):
    pass
