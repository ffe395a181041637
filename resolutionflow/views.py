from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from resolutionflow import selectors
from resolutionflow.tenancy import access, account_member_required


@account_member_required
def home(request):
    return render(request, "resolutionflow/home.html", {"teams": selectors.teams(request.user)})


@account_member_required
def team_detail(request, pk):
    team = access(selectors.teams(request.user), request.user, pk)
    return render(request, "resolutionflow/team_detail.html", {"team": team})


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
