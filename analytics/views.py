"""The FlowPilot Analytics page (team admins and owners): metrics, charts, knowledge gaps and flow health.

The numbers are analytics.metrics.dashboard's, exactly as GET /api/v1/analytics/flowpilot returns them; the
page embeds that dict (json_script) for its charts. Switching period and refreshing gaps load the whole page
(see the template's note: htmx would strip the chart data from swapped-in content).
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from analytics import gaps, health, metrics, presentation, services
from analytics.errors import GapHasNoStructure, GapNotFound
from analytics.forms import PERIOD_LABELS, CreateFlowForm, PeriodForm
from flowpilot import selectors as session_selectors
from knowledge import selectors as knowledge_selectors
from knowledge.permissions import require_flow_editor
from resolutionflow.htmx import refuse
from resolutionflow.templatetags.rf import domain_label
from resolutionflow.tenancy import admin_required


@admin_required
def dashboard(request):
    """`?period=7d|30d|90d`; any other period shows the default one with a warning (the URL is a bookmark)."""
    period = PeriodForm(request.GET).values(request)["period"]
    return render(request, "analytics/dashboard.html", _context(request, period))


@require_POST
@admin_required
def refresh_gaps(request):
    """Recompute the cached knowledge gap report, then show the page again with the new gaps."""
    period = PeriodForm(request.POST).values()["period"]
    found = len(gaps.report(request.user.account, refresh=True)["gaps"])
    messages.success(request, f"Knowledge gaps recomputed: {found} found.")
    return redirect(f"{reverse('analytics:dashboard')}?period={period}")


@require_POST
@admin_required
def create_flow(request):
    """ "Create flow" on a gap: a FlowDraft with the suggested structure, opened in the flow editor. A gap with
    no structure to suggest is refused (422, back to the page with the reason)."""
    form = CreateFlowForm(request.POST)
    if not form.is_valid():
        raise Http404("No such gap (the report may have been refreshed).")
    try:
        gap = services.find_gap(request.user.account, form.cleaned_data["gap_id"])
        flow_id = (gap.get("evidence") or {}).get("flow_id")
        if gap["gap_type"] == "weak_options" and flow_id:
            require_flow_editor(request.user, knowledge_selectors.flow(request.user, flow_id))
        draft = services.draft_for_gap(request.user, gap)
    except GapNotFound:
        raise Http404("No such gap (the report may have been refreshed).") from None
    except GapHasNoStructure as error:
        return refuse(request, str(error), redirect_to=reverse("analytics:dashboard"))
    messages.success(request, "A draft from the knowledge gap: check the suggested structure, then publish.")
    return redirect("knowledge:draft-edit", pk=draft.pk)


def _context(request, period: str) -> dict:
    account = request.user.account
    report = gaps.report(account)
    # The same call as the API's DashboardView, so the page and GET /api/v1/analytics/flowpilot agree.
    board = metrics.dashboard(account, period, gap_severity=gaps.severity_by_domain(report["gaps"]))
    ids = presentation.example_session_ids(report["gaps"])
    examples = session_selectors.sessions(request.user, scope="all").filter(pk__in=ids)
    summaries = {
        str(pk): {"summary": summary or "Untitled session", "created_at": created_at}
        for pk, summary, created_at in examples.values_list("pk", "problem_summary", "created_at")
    }
    return {
        "period": period,
        "period_label": PERIOD_LABELS[period],
        "periods": [(value, label, value == period) for value, label in PERIOD_LABELS.items()],
        "board": board,
        "domain_labels": {row["domain"]: domain_label(row["domain"]) for row in board["sessions_by_domain"]},
        "cards": presentation.metric_cards(board),
        "psa_figures": presentation.psa_figures(board),
        "has_mttr": any(point["mttr_minutes"] is not None for point in board["mttr_trend"]),
        "tiers": presentation.tiers(board),
        "coverage_rules": presentation.coverage_rules(),
        "gaps_generated_at": parse_datetime(report["generated_at"]),
        "gaps": presentation.gap_cards(report["gaps"], summaries),
        "health": health.report(account, period),
    }
