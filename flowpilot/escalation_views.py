"""The escalations inbox page and picking a session up (HTML + htmx). Thin: flowpilot.escalations holds the rules.

The inbox lists what waits for me, for my team, or for anyone, oldest or newest waiting first, every
filter in the URL. Picking up answers a redirect to the session page (the picker continues there); when
someone else was faster it answers 409 with a toast (htmx) or the inbox again with the message.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from flowpilot import escalations, selectors
from flowpilot.apps import ESCALATIONS_BADGE
from flowpilot.errors import NotWaiting
from resolutionflow.htmx import page_or_piece, refuse
from resolutionflow.navigation import send_badges
from resolutionflow.tenancy import account_member_required

PAGE = "flowpilot/escalation_inbox.html"
PAGE_SIZE = 20
SCOPE_LABELS = {"me": "Escalated to me", "team": "To my team", "anyone": "To anyone"}
ORDER_LABELS = {"oldest": "Oldest waiting first", "newest": "Newest first"}


@account_member_required
def escalation_inbox(request):
    return render(request, page_or_piece(request, PAGE, "results"), _inbox_context(request))


def _inbox_context(request) -> dict:
    scope = request.GET.get("scope", "me")
    scope = scope if scope in escalations.SCOPES else "me"
    order = request.GET.get("order", "oldest")
    order = order if order in escalations.ORDERS else "oldest"
    listed = escalations.inbox(request.user, scope=scope, order=order)
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    for session in page.object_list:
        session.waiting_handoff = session.waiting_handoffs[0] if session.waiting_handoffs else None

    def link(**changes):
        query = {"scope": scope, "order": order, **changes}
        query = {k: v for k, v in query.items() if v and (k, v) not in (("scope", "me"), ("order", "oldest"))}
        return reverse("flowpilot:escalation-inbox") + (f"?{urlencode(query)}" if query else "")

    return {
        "sessions": page,
        "scope": scope,
        "order": order,
        "has_team": request.user.team_id is not None,
        "scope_links": [(label, link(scope=value), value == scope) for value, label in SCOPE_LABELS.items()],
        "order_links": [(label, link(order=value), value == order) for value, label in ORDER_LABELS.items()],
    }


@account_member_required
def session_pick_up(request, pk):
    session = selectors.session_to_act_on(request.user, pk)  # 404 outside the account, whatever the method
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    inbox_url = reverse("flowpilot:escalation-inbox")
    try:
        session = escalations.pick_up_session(session, request.user)
    except NotWaiting as error:
        refused = refuse(
            request,
            error.message,
            "conflict",
            response=(lambda: render(request, PAGE, _inbox_context(request))) if not request.htmx else None,
        )
        return send_badges(refused, request, ESCALATIONS_BADGE)
    except PermissionDenied as error:
        return refuse(request, str(error), "forbidden", redirect_to=inbox_url)
    url = reverse("flowpilot:session-detail", args=[session.pk])
    messages.success(request, "Picked up: the session is yours now. Carry on from where it stopped.")
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
