from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from resolutionflow import selectors
from resolutionflow.home import blocks_for
from resolutionflow.htmx import refuse
from resolutionflow.lockout import locked_out_users, unlock_sign_in
from resolutionflow.models import User
from resolutionflow.tenancy import access, account_member_required


@account_member_required
def home(request):
    """What the user has to do next: the blocks the apps registered for the user's role (resolutionflow/home.py)."""
    return render(request, "resolutionflow/home.html", {"blocks": blocks_for(request.user)})


@account_member_required
def team_detail(request, pk):
    team = access(selectors.teams(request.user), request.user, pk)
    return render(request, "resolutionflow/team_detail.html", {"team": team})


def _require_owner(user):
    if not user.is_owner:
        raise PermissionDenied("Only the account's owner unlocks sign-ins.")


@account_member_required
@require_GET
def sign_in_lockouts(request):
    """The account's users locked out by failed sign-ins, for the owner to unlock."""
    _require_owner(request.user)
    return render(
        request, "resolutionflow/sign_in_lockouts.html", {"locked_users": locked_out_users(request.user.account)}
    )


@account_member_required
@require_POST
def unlock_sign_in_view(request, pk):
    _require_owner(request.user)
    person = access(User, request.user, pk)
    if not unlock_sign_in(person):  # the lock ended, or another owner lifted it meanwhile
        message = f"{person.email} was not locked out: nothing to unlock."
        return refuse(request, message, "conflict", redirect_to=reverse("sign-in-lockouts"))
    messages.success(request, f"{person.email} can sign in again.")
    return redirect("sign-in-lockouts")


@never_cache
@require_GET
def healthz(request):
    """Database and pgvector status for load balancers and `make run`: 200 when both are ok, else 503."""
    checks = {"database": "error", "pgvector": "error"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            checks["database"] = "ok"
            cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
            row = cursor.fetchone()
            if row:
                checks["pgvector"] = "ok"
                checks["pgvector_version"] = row[0]
            else:
                checks["pgvector"] = "missing"
    except Exception as exc:  # a health check reports every failure as data
        checks["error"] = exc.__class__.__name__
    healthy = checks["database"] == "ok" and checks["pgvector"] == "ok"
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)
