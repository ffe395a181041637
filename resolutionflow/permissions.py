"""DRF permissions: the API's side of the roles in resolutionflow.tenancy."""

from rest_framework.permissions import BasePermission

from resolutionflow.tenancy import account_of


class IsAccountMember(BasePermission):
    """Engineer, team admin or owner of an Account (the default for every API view)."""

    message = "An account user is required."

    def has_permission(self, request, view):
        return account_of(request.user) is not None


class IsTeamAdminOrOwner(IsAccountMember):
    message = "Team admins and owners only."

    def has_permission(self, request, view):
        return super().has_permission(request, view) and request.user.is_admin


class IsOwner(IsAccountMember):
    """The account's owners: its settings (the PSA connection)."""

    message = "The account's owners only."

    def has_permission(self, request, view):
        return super().has_permission(request, view) and request.user.is_owner
