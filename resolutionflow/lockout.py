"""Sign-in lockout (django-axes): too many failed sign-ins lock an e-mail address, or a client address.

Every sign-in goes through `django.contrib.auth.authenticate` with the request (the page login, the Django
admin login and `POST /api/v1/auth/token`), so Axes counts failures and refuses a locked client on all
three alike. Failures are counted per e-mail address (LOGIN_FAILURE_LIMIT) and per client IP
(LOGIN_FAILURE_LIMIT_PER_IP, looser: an office of engineers may share one address), within a cool-off of
LOGIN_COOLOFF_MINUTES after the last failure. Never per Account: an attacker must not be able to lock a
whole MSP out. The client IP is `resolutionflow.client_ip.client_ip` (trusted proxies only).

An owner unlocks their account's users on the "Locked-out sign-ins" page; an operator deletes the
attempts in the Django admin (Axes › Access attempts), which also clears an IP lockout.
"""

from datetime import timedelta

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from axes.utils import reset
from django.conf import settings
from django.db.models import Max, Sum
from django.http import JsonResponse
from django.utils import timezone

from resolutionflow.models import User

# AccessAttempt.username is a 255-character column.
_USERNAME_MAX_LENGTH = 255


def lockout_message() -> str:
    minutes = settings.LOGIN_COOLOFF_MINUTES
    return (
        f"Too many failed sign-ins. Signing in is locked for {minutes} minute{'s' if minutes != 1 else ''}: "
        "try again later, or ask your account owner to unlock your sign-in."
    )


def sign_in_name(request, credentials: dict | None) -> str | None:
    """The e-mail address a sign-in attempt is counted against (AXES_USERNAME_CALLABLE): trimmed, lower case.

    The page and admin forms post it as `username`, the token endpoint passes it as `username` to
    `authenticate`; "Alex@X.test" and "alex@x.test" are one person and count together.
    """
    value = (credentials or getattr(request, "data", request.POST)).get("username")
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().lower()[:_USERNAME_MAX_LENGTH]


def lockout_response(request, original_response=None, credentials=None):
    """What a locked-out client gets (AXES_LOCKOUT_CALLABLE): 429, JSON under the API, else the sign-in form.

    The page and admin forms already show `lockout_message()` as their error (resolutionflow.forms), so
    their rendered page is kept and only its status changes.
    """
    if original_response is None or request.path.startswith("/api/"):
        response = JsonResponse({"detail": lockout_message()})
    else:
        response = original_response
    response.status_code = settings.AXES_HTTP_RESPONSE_CODE
    response["Retry-After"] = str(int(cool_off().total_seconds()))
    return response


class SignInLockoutBackend(AxesStandaloneBackend):
    """Axes' backend (it refuses a locked-out client before the password is checked).

    A call to `authenticate` without a request is not a sign-in from a client (Django's test
    `Client.login`, a shell): Axes would raise; here it passes it on to the next backend. Every sign-in
    this product serves passes its request.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


class SignInLockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with its own limit for each lockout parameter.

    Axes compares the largest count of all parameters with one AXES_FAILURE_LIMIT, which is the larger of
    the two limits (`axes_failure_limit`), so Axes never locks before this does; this handler locks an
    e-mail address at LOGIN_FAILURE_LIMIT and an IP at LOGIN_FAILURE_LIMIT_PER_IP.
    """

    def is_locked(self, request, credentials=None) -> bool:
        if not settings.AXES_LOCK_OUT_AT_FAILURE:
            return False
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        username = get_client_username(request, credentials)
        if username and _failures(recent.filter(username=username)) >= settings.LOGIN_FAILURE_LIMIT:
            return True
        ip = request.axes_ip_address
        return bool(ip) and _failures(recent.filter(ip_address=ip)) >= settings.LOGIN_FAILURE_LIMIT_PER_IP

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or request.axes_locked_out or not self.is_locked(request, credentials):
            return
        request.axes_locked_out = True
        request.axes_credentials = credentials
        user_locked_out.send(
            "axes",
            request=request,
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,
        )

    def reset_user_attempts(self, request, credentials=None) -> int:
        """After a successful sign-in, forget that e-mail's failures only (AXES_RESET_ON_SUCCESS).

        Axes would also forget every failure of the client's IP, so an attacker could sign in to their own
        account between guesses at others'.
        """
        username = get_client_username(request, credentials)
        return reset(username=username) if username else 0


def _failures(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def cool_off(request=None) -> timedelta:
    """How long a lock lasts after the last failure (AXES_COOLOFF_TIME): LOGIN_COOLOFF_MINUTES."""
    return timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES)


def axes_failure_limit(request=None, credentials=None) -> int:
    """Axes' own single limit (AXES_FAILURE_LIMIT): the larger of the two, so the handler's limits decide."""
    return max(settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_FAILURE_LIMIT_PER_IP)


def locked_out_users(account) -> list[User]:
    """The account's users whose e-mail address is locked now, each with `failures` and `locked_until`."""
    members = User.objects.for_account(account)
    rows = list(
        AccessAttempt.objects.filter(
            username__in=members.values("email"), attempt_time__gte=timezone.now() - cool_off()
        )
        .values("username")
        .annotate(failures=Sum("failures_since_start"), last_failure=Max("attempt_time"))
        .filter(failures__gte=settings.LOGIN_FAILURE_LIMIT)
        .order_by("username")
    )
    users = {user.email: user for user in members.filter(email__in=[row["username"] for row in rows])}
    locked = []
    for row in rows:
        user = users[row["username"]]
        user.failures = row["failures"]
        user.locked_until = row["last_failure"] + cool_off()
        locked.append(user)
    return locked


def unlock_sign_in(user: User) -> int:
    """Forget the failed sign-ins counted against `user`'s e-mail address; returns how many were kept."""
    return reset(username=user.email)
