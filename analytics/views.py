"""The FlowPilot Analytics page (team admins and owners): metrics, charts, knowledge gaps and flow health.

One view serves the page and, for htmx (switching period, refreshing gaps), its `dashboard` partial. The
numbers are analytics.metrics.dashboard's, exactly as GET /api/v1/analytics/flowpilot returns them; the page
also embeds that dict (json_script) for its charts.
"""

from django.contrib import messages
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from analytics import gaps, health, metrics, presentation, services
from flowpilot import selectors as session_selectors
from knowledge import selectors as knowledge_selectors
from knowledge.permissions import require_flow_editor
from resolutionflow.htmx import toast
from resolutionflow.tenancy import admin_required

DEFAULT_PERIOD = "30d"
PERIOD_LABELS = {"7d": "7 days", "30d": "30 days", "90d": "90 days"}
TEMPLATE = "analytics/dashboard.html"


@admin_required
@vary_on_headers("HX-Request")
def dashboard(request):
    """`?period=7d|30d|90d`; any other period shows the default one with a warning (the URL is a bookmark)."""
    period = request.GET.get("period") or DEFAULT_PERIOD
    warning = ""
    if period not in metrics.PERIODS:
        warning = f"“{period[:20]}” is not a period this page shows: here are the last {PERIOD_LABELS[DEFAULT_PERIOD]}."
        period = DEFAULT_PERIOD
    partial = request.htmx and not request.htmx.history_restore_request
    if warning and not partial:
        messages.warning(request, warning)
    response = render(request, _template(request), _context(request, period))
    return toast(response, warning, level="warning") if warning and partial else response


@require_POST
@admin_required
def refresh_gaps(request):
    """Recompute the cached knowledge gap report, then show the page (or its partial) with the new gaps."""
    period = request.POST.get("period", DEFAULT_PERIOD)
    period = period if period in metrics.PERIODS else DEFAULT_PERIOD
    found = len(gaps.report(request.user.account, refresh=True)["gaps"])
    message = f"Knowledge gaps recomputed: {found} found."
    if not request.htmx:
        messages.success(request, message)
        return redirect(f"{reverse('analytics:dashboard')}?period={period}")
    return toast(render(request, f"{TEMPLATE}#dashboard", _context(request, period)), message)


@require_POST
@admin_required
def create_flow(request):
    """"Create flow" on a gap: a FlowDraft with the suggested structure, opened in the flow editor."""
    gap = services.find_gap(request.user.account, request.POST.get("gap_id", ""))  # 404 when it is gone
    flow_id = (gap.get("evidence") or {}).get("flow_id")
    if gap["gap_type"] == "weak_options" and flow_id:
        require_flow_editor(request.user, knowledge_selectors.flow(request.user, flow_id))
    try:
        draft = services.draft_for_gap(request.user, gap)
    except ValueError as error:
        return HttpResponseBadRequest(str(error))
    messages.success(request, "A draft from the knowledge gap: check the suggested structure, then publish.")
    return redirect("knowledge:draft-edit", pk=draft.pk)


def _template(request) -> str:
    if request.htmx and not request.htmx.history_restore_request:
        return f"{TEMPLATE}#dashboard"
    return TEMPLATE


def _context(request, period: str) -> dict:
    account = request.user.account
    report = gaps.report(account)
    # The same call as the API's DashboardView, so the page and GET /api/v1/analytics/flowpilot agree.
    board = metrics.dashboard(account, period, gap_severity=gaps.severity_by_domain(report["gaps"]))
    ids = presentation.example_session_ids(report["gaps"])
    summaries = dict(
        session_selectors.sessions(request.user, scope="all").filter(pk__in=ids).values_list("pk", "problem_summary")
    )
    summaries = {str(pk): summary or "Untitled session" for pk, summary in summaries.items()}
    confidence = board["confidence_breakdown"]
    return {
        "period": period,
        "period_label": PERIOD_LABELS[period],
        "periods": [(value, label, value == period) for value, label in PERIOD_LABELS.items()],
        "board": board,
        "cards": presentation.metric_cards(board),
        "has_mttr": any(point["mttr_minutes"] is not None for point in board["mttr_trend"]),
        "tiers": [
            {
                "key": tier,
                "label": tier.capitalize(),
                "sessions": confidence[f"{tier}_sessions"],
                "resolution_rate": confidence[f"{tier}_resolution_rate"],
            }
            for tier in ("guided", "exploring", "discovery")
        ],
        "coverage_rules": presentation.coverage_rules(),
        "gaps_generated_at": parse_datetime(report["generated_at"]),
        "gaps": presentation.gap_cards(report["gaps"], summaries),
        "health": health.report(account, period),
    }
