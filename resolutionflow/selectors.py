"""Reads of tenancy data, always through the user's account."""

from django.db.models import Prefetch

from resolutionflow.models import Team, User
from resolutionflow.tenancy import scoped


def teams(user):
    return scoped(Team, user).prefetch_related(Prefetch("members", queryset=User.objects.order_by("email")))


def account_users(user):
    return scoped(User, user).select_related("team").order_by("email")
