"""Flow library, viewer and history pages (the editor is knowledge.editor, the review queue knowledge.review)."""

import json

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from knowledge import selectors, services
from knowledge.forms import FLOW_SORT_CHOICES, FlowFilterForm
from knowledge.models import Origin, TreeStatus, TreeType
from knowledge.permissions import can_edit_flow, require_flow_editor
from knowledge.presentation import tree_outline, version_changes
from resolutionflow.htmx import page_or_piece, refuse
from resolutionflow.tenancy import account_member_required

PAGE_SIZE = 50


@account_member_required
def flow_list(request):
    filters = FlowFilterForm(request.GET).values(request)
    flows = selectors.flows(request.user, **filters)
    page = _page(request, flows)
    context = {
        "flows": page,
        "filters": filters,
        "domains": settings.PROBLEM_DOMAINS,
        "origins": Origin.choices,
        "types": TreeType.choices,
        "statuses": TreeStatus.choices,
        "sorts": FLOW_SORT_CHOICES,
        "can_create": can_edit_flow(request.user),
    }
    return render(request, page_or_piece(request, "knowledge/flow_list.html", "results"), context)


def _page(request, queryset):
    from django.core.paginator import Paginator

    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


@account_member_required
def flow_detail(request, pk):
    tree = selectors.flow(request.user, pk)
    return render(
        request,
        "knowledge/flow_detail.html",
        {"flow": tree, "outline": tree_outline(tree.tree_structure), "can_edit": can_edit_flow(request.user, tree)},
    )


@account_member_required
def flow_history(request, pk):
    tree = selectors.flow(request.user, pk)
    versions = list(selectors.flow_versions(tree))
    by_number = {v.version: v for v in versions}
    newest = versions[0].version if versions else None
    to_version = _int(request.GET.get("to"), newest)
    from_version = _int(request.GET.get("from"), (to_version or 1) - 1)
    comparison = None
    if to_version in by_number and from_version in by_number and from_version != to_version:
        comparison = version_changes(by_number[from_version], by_number[to_version])
    return render(
        request,
        "knowledge/flow_history.html",
        {
            "flow": tree,
            "versions": versions,
            "from_version": from_version,
            "to_version": to_version,
            "comparison": comparison,
            "can_edit": can_edit_flow(request.user, tree),
        },
    )


def _int(value, default):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@require_POST
@account_member_required
def flow_restore(request, pk, version):
    tree = selectors.flow(request.user, pk)
    require_flow_editor(request.user, tree)
    if not tree.versions.filter(version=version).exists():
        history = reverse("knowledge:flow-history", args=[tree.pk])
        return refuse(request, f"Version {version} does not exist.", redirect_to=history)
    tree = services.restore_version(tree, version, author=request.user)
    messages.success(request, f"Version {version} restored as version {tree.version}.")
    return redirect("knowledge:flow-history", pk=tree.pk)


@account_member_required
def flow_export(request, pk):
    tree = selectors.flow(request.user, pk)
    body = json.dumps(tree.envelope(), indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{slugify(tree.name) or "flow"}.json"'
    return response
