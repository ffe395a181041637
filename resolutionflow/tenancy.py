"""The one place customer data is scoped to the request's Account.

Views and API views fetch objects with `access(Model, user, pk)` and build lists from `scoped(Model, user)`;
neither ever filters by account by hand. An object of another account is indistinguishable from a
missing one: 404, never 403 and never its data.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404


def account_of(user):
    """The Account a user acts in, or None (anonymous users and platform operators)."""
    if user is None or not user.is_authenticated:
        return None
    return user.account


def scoped(model_or_queryset: type[Model] | QuerySet, user) -> QuerySet:
    """The rows of `user`'s account; empty for a user without one."""
    queryset = (
        model_or_queryset if isinstance(model_or_queryset, QuerySet) else model_or_queryset._default_manager.all()
    )
    account = account_of(user)
    if account is None:
        return queryset.none()
    return queryset.filter(account=account)


def access(model_or_queryset: type[Model] | QuerySet, user, pk) -> Model:
    """The object `pk` if it belongs to `user`'s account; Http404 otherwise (or if `pk` is malformed)."""
    queryset = scoped(model_or_queryset, user)
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404("Not found.") from None


def account_member_required(view):
    """Pages for anyone signed in to an Account (engineers, team admins, owners)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if account_of(request.user) is None:
            raise PermissionDenied("Platform operators work in the admin; this page belongs to an account.")
        return view(request, *args, **kwargs)

    return wrapper


def admin_required(view):
    """Pages for team admins and owners only."""

    @account_member_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_admin:
            raise PermissionDenied("Team admins and owners only.")
        return view(request, *args, **kwargs)

    return wrapper


def owner_required(view):
    """Pages for the account's owners only (its settings, such as the PSA connection)."""

    @account_member_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_owner:
            raise PermissionDenied("Only the account's owner changes its settings.")
        return view(request, *args, **kwargs)

    return wrapper
