"""FlowPilot's session pages: the lists, the intake, the session page and its actions, the read-only view.

Every view translates HTTP into one engine call. The session page swaps its pieces with htmx: an answer
returns the next step card (with the header, timeline and matched flows out of band); closing the session
returns the whole session region. Without JavaScript every form posts and redirects back to the page.
"""

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from flowpilot import engine, escalations, hiding, selectors
from flowpilot.errors import InvalidAnswer, InvalidIntake, SessionClosed
from flowpilot.forms import (
    AbandonForm,
    AnswerForm,
    EscalateForm,
    IntakeForm,
    ResolveForm,
    SessionFilterForm,
    SwitchFlowForm,
)
from flowpilot.models import SessionStatus, StepType
from flowpilot.permissions import can_act, require_actor
from flowpilot.psa import links as psa_links
from flowpilot.psa import selectors as psa_selectors
from flowpilot.psa import services as psa_services
from knowledge import selectors as knowledge_selectors
from knowledge.matching import ConfidenceTier
from resolutionflow.htmx import form_error, page_or_piece, refuse, toast
from resolutionflow.tenancy import account_member_required
from resolutionflow.throttling import SESSION_ANSWER, SESSION_START, throttled
from scripts import selectors as script_selectors
from scripts import services as script_services
from scripts.downloads import NO_STORE, ps1_response
from scripts.errors import InvalidParameters, NotUsable
from scripts.forms import parameter_fields, values_from_request
from scripts.highlighting import highlight_powershell

PAGE = "flowpilot/session_detail.html"
CLOSE_PAGE = "flowpilot/session_close.html"
PAGE_SIZE = 25
CHECK_PARAMETERS = "Check the highlighted parameters."
SCOPE_LABELS = {"mine": "Mine", "team": "My team", "all": "All"}


def _session_url(session) -> str:
    return reverse("flowpilot:session-detail", args=[session.pk])


# ── Lists and intake ────────────────────────────────────────────────────────────────────────────────


@account_member_required
def session_list(request):
    """Mine / my team / all, filtered by status, problem domain and confidence tier; every filter in the URL."""
    filters = SessionFilterForm(request.GET).values(request)
    page = Paginator(selectors.sessions(request.user, **filters), PAGE_SIZE).get_page(request.GET.get("page"))

    def link(**changes):
        query = {**filters, **changes}
        query = urlencode({k: v for k, v in query.items() if v and not (k == "scope" and v == "mine")})
        return reverse("flowpilot:session-list") + (f"?{query}" if query else "")

    context = {
        "sessions": page,
        **filters,
        "is_filtered": any(filters[key] for key in ("status", "domain", "tier")),
        "domains": settings.PROBLEM_DOMAINS,
        "tiers": ConfidenceTier.choices,
        "scope_links": [(label, link(scope=value), value == filters["scope"]) for value, label in SCOPE_LABELS.items()],
        "status_links": [("All", link(status=""), not filters["status"])]
        + [(label, link(status=value), value == filters["status"]) for value, label in SessionStatus.choices],
        "previous_url": link(page=page.previous_page_number()) if page.has_previous() else "",
        "next_url": link(page=page.next_page_number()) if page.has_next() else "",
    }
    return render(request, page_or_piece(request, "flowpilot/session_list.html", "results"), context)


@account_member_required
@throttled(SESSION_START)
def session_new(request):
    form = IntakeForm(request.POST) if request.method == "POST" else IntakeForm()
    if request.method == "POST" and form.is_valid():
        try:
            session = psa_links.start_session(request.user, **form.start_arguments())
        except InvalidIntake as error:
            form.add_error("intake" if error.field == "intake" else None, error.message)
        else:
            url = _session_url(session)
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    template = page_or_piece(request, "flowpilot/session_new.html", "form")
    if form.errors:
        return refuse(request, form_error(form), response=lambda: render(request, template, {"form": form}))
    return render(request, template, {"form": form})


# ── The session page ────────────────────────────────────────────────────────────────────────────────


@account_member_required
def session_detail(request, pk):
    session = selectors.session(request.user, pk)
    return render(request, PAGE, _page_context(request, session))


@account_member_required
def session_view(request, pk):
    """The read-only record reviewers link to: intake, every step in order, the outcome."""
    session = selectors.session(request.user, pk)
    steps = _shown_steps(session)
    return render(
        request,
        "flowpilot/session_view.html",
        {"session": session, "steps": steps, "can_act": can_act(request.user, session)},
    )


def _page_context(request, session, **extra) -> dict:
    steps = _shown_steps(session)
    current = steps[-1] if steps and session.is_active else None
    acts = can_act(request.user, session)
    actions = engine.closing_actions(session.status) if acts else ()
    # The card's one rendering condition for the script generator: a template, or None.
    script_template = _script_template(request.user, current) if acts else None
    context = {
        "session": session,
        "current": current,
        # Under the current step the latest comes first; a closed session reads in order, as a record.
        "earlier": steps[-2::-1] if current else steps,
        "can_act": acts,
        "actions": actions,
        "matched_flow_id": str(session.matched_flow_id or ""),
        "posted": {},
        "script_template": script_template,
        "script_fields": _script_fields(script_template, current),
        **extra,
    }
    if "resolve" in actions:
        context["resolve_form"] = _resolve_form(request, session)
    if "escalate" in actions:
        context["escalate_form"] = EscalateForm(user=request.user)
    if "abandon" in actions:
        context["abandon_form"] = AbandonForm()
    return context


def _script_template(user, step):
    """The template of a script step if `user` may use it, else None (a plain action, another account's
    or an inactive template, a missing one)."""
    if step is None or step.step_type != StepType.SCRIPT_GENERATION:
        return None
    template_id = (step.content.get("script") or {}).get("template_id")
    if not template_id:
        return None
    try:
        return script_selectors.template(user, template_id)
    except Http404:
        return None


def _script_fields(template, step, values=None, errors=None) -> list[dict]:
    """The parameter form's fields: the posted values, else the step's pre-filled params."""
    if template is None:
        return []
    if values is None:
        return parameter_fields(template.parameters, step.content["script"].get("params") or {})
    return parameter_fields(template.parameters, values, errors, echo_secrets=True)


def _shown_steps(session) -> list:
    """The steps in order, each marked where the session started following a flow (a switch, or a flow
    picked from a choice) and with the hand-offs made after it (`handoffs_here`: escalated there, picked up
    by whom). A closed session has no unanswered capture prompt left: the engine drops it."""
    steps = list(selectors.steps(session))
    handed = escalations.handoffs(session) if session.escalated_at else []
    previous_flow_id = None
    for step in steps:
        step.starts_flow = step.flow_id is not None and step.flow_id != previous_flow_id and step.order > 1
        step.handoffs_here = [handoff for handoff in handed if handoff.steps_before == step.order]
        previous_flow_id = step.flow_id
    return steps


def session_action(*methods):
    """An action on a session: 404 outside the account (whatever the method), 405 for other methods, then
    403 unless the user may act on it (its engineer, the escalation target or an admin)."""
    methods = methods or ("POST",)

    def decorate(view):
        @account_member_required
        @wraps(view)
        def wrapper(request, pk):
            session = selectors.session(request.user, pk)
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            require_actor(request.user, session)
            return view(request, session)

        return wrapper

    return decorate


# ── Answering ───────────────────────────────────────────────────────────────────────────────────────


@session_action()
@throttled(SESSION_ANSWER)
def session_answer(request, session):
    form = AnswerForm(request.POST)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        return _step_refused(request, session, InvalidAnswer(field, errors[0]))
    arguments = form.answer_arguments()
    try:
        session = engine.answer_step(session, **arguments)
    except SessionClosed as closed:
        return _already_closed(request, session, closed)
    except InvalidAnswer as error:
        return _step_refused(request, session, error)
    return _step_answered(request, session, "Note added." if "note" in arguments else "")


@session_action()
@throttled(SESSION_ANSWER)
def session_switch_flow(request, session):
    form = SwitchFlowForm(request.POST)
    if not form.is_valid():
        return _step_refused(request, session, InvalidAnswer("flow_id", "Choose one of the matched flows."))
    flow = knowledge_selectors.flow(request.user, form.cleaned_data["flow_id"])
    try:
        session = engine.switch_flow(session, flow)
    except SessionClosed as closed:
        return _already_closed(request, session, closed)
    except InvalidAnswer as error:
        return _step_refused(request, session, error)
    return _step_answered(request, session, f"Now following “{flow.name}”.")


@session_action()
@throttled(SESSION_ANSWER)
def session_capture(request, session):
    try:
        session = engine.prefer_capture(session)
    except SessionClosed as closed:
        return _already_closed(request, session, closed)
    return _step_answered(request, session, "Record what you check and what you find, step by step.")


@session_action()
def session_hide(request, session):
    """The engineer hides a secret the detector missed: the exact text, everywhere in the session's record."""
    try:
        session = hiding.hide_text(session, request.POST.get("text", ""))
    except InvalidAnswer as error:
        return _step_refused(request, session, error)
    return _step_answered(request, session, "Hidden everywhere in this session.")


@session_action()
def session_script(request, session):
    """Generate the current script step's script: linked to the step, shown once (never stored, no-store)."""
    current, template, values, refusal = _script_request(request, session)
    if refusal:
        return refusal
    generation, script, refusal = _generate_for_step(request, session, template, values)
    return refusal or _script_shown(request, session, template, values, generation=generation, script=script)


@session_action()
def session_script_download(request, session):
    """Download .ps1 on the script step. With the values the step's generation was made with, it is that
    generation's script again (nothing recorded); otherwise a generation linked to the step, as Generate."""
    current, template, values, refusal = _script_request(request, session)
    if refusal:
        return refusal
    script = script_services.generate_again(
        request.user, template, params=values, generation_id=current.script_generation_id, ai_session=session
    )
    if script is None:
        _, script, refusal = _generate_for_step(request, session, template, values)
        if refusal:
            return refusal
    return ps1_response(template, script)


def _script_request(request, session):
    """(current step, its template, the posted values, None), or a refusal as the last item: the session
    is closed, or its current step has no script to generate."""
    if not session.is_active:
        return None, None, None, _already_closed(request, session, SessionClosed(session.status))
    current = engine.current_step(session)
    template = _script_template(request.user, current)
    if template is None:
        refusal = _step_refused(request, session, InvalidAnswer("script", "This step has no script to generate."))
        return current, None, None, refusal
    return current, template, values_from_request(template.parameters, request.POST), None


def _generate_for_step(request, session, template, values):
    """(generation, script, None) for the session's script step, or (None, None, the refusal)."""
    try:
        generation, script = engine.generate_script(session, user=request.user, template=template, params=values)
    except SessionClosed as closed:
        return None, None, _already_closed(request, session, closed)
    except NotUsable:
        raise Http404("Not found.") from None
    except InvalidParameters as error:
        return None, None, _script_shown(request, session, template, values, errors=error.errors)
    return generation, script, None


def _script_shown(request, session, template, values, *, errors=None, generation=None, script=None):
    session = selectors.session(request.user, session.pk)
    context = _page_context(request, session)
    context["script_fields"] = _script_fields(template, context["current"], values, errors)
    if script is not None:
        context.update(script_generation=generation, script_code=highlight_powershell(script))
    template = f"{PAGE}#script_generator" if request.htmx else PAGE
    if errors:
        response = refuse(request, CHECK_PARAMETERS, response=lambda: render(request, template, context))
    else:
        response = render(request, template, context)
        response = toast(response, "Script generated.") if request.htmx else response
    response["Cache-Control"] = NO_STORE
    return response


def _step_answered(request, session, message: str = ""):
    """`session` is the one the engine returned: read with what the page shows."""
    if not request.htmx:
        if message:
            messages.success(request, message)
        return redirect(_session_url(session))
    response = render(request, f"{PAGE}#step_swap", _page_context(request, session, oob=True))
    return toast(response, message, level="info") if message else response


def _step_refused(request, session, error: InvalidAnswer):
    """The step card again with the answer kept and the error beside it (422)."""
    context = _page_context(request, session, error=error, posted=request.POST)
    template = f"{PAGE}#card" if request.htmx else PAGE
    return refuse(request, error.message, response=lambda: render(request, template, context))


def _already_closed(request, session, closed: SessionClosed):
    """Someone closed the session meanwhile (409): the session region as it is now replaces the page's."""
    message = f"This session is already {closed.status}."
    if not request.htmx:
        return refuse(request, message, "conflict", redirect_to=_session_url(session))
    session = selectors.session(request.user, session.pk)
    response = render(request, f"{PAGE}#session", _page_context(request, session))
    return refuse(request, message, "conflict", response=reswap(retarget(response, "#session"), "outerHTML"))


# ── Resolve, escalate, abandon ──────────────────────────────────────────────────────────────────────
# GET shows the form on its own page (the dialogs' fallback without JavaScript); POST closes the session.


@session_action("GET", "POST")
def session_resolve(request, session):
    if request.method == "GET":
        current = engine.current_step(session)
        prefill = request.GET.get("prefill") == "solution" and current and current.step_type == StepType.SOLUTION
        form = _resolve_form(request, session, initial={"resolution_summary": current.text} if prefill else None)
        return _close_form(request, session, "resolve", form)
    form = ResolveForm(request.POST)
    link = psa_selectors.ticket_link(session)
    return _close(
        request,
        session,
        "resolve",
        form,
        lambda: engine.resolve_session(session, **form.cleaned_data),
        f"Resolved. The documentation and your time go to ticket {link.number}."
        if link is not None and link.is_verified
        else "Resolved. The documentation is ready to copy into the ticket.",
    )


def _resolve_form(request, session, initial=None) -> ResolveForm:
    """The resolve form; for a session with a PSA ticket, the resolver's working time so far filled in."""
    initial = dict(initial or {})
    if psa_services.has_ticket_link(session):
        initial["worked_minutes"] = psa_services.suggested_minutes(session)
    return ResolveForm(initial=initial)


@session_action("GET", "POST")
def session_escalate(request, session):
    if request.method == "GET":
        return _close_form(request, session, "escalate", EscalateForm(user=request.user))
    form = EscalateForm(request.POST, user=request.user)
    return _close(
        request,
        session,
        "escalate",
        form,
        lambda: engine.escalate_session(session, **form.escalate_arguments()),
        "Escalated. The hand-off summary is on the session.",
    )


@session_action("GET", "POST")
def session_abandon(request, session):
    if request.method == "GET":
        return _close_form(request, session, "abandon", AbandonForm())
    form = AbandonForm(request.POST)
    return _close(
        request, session, "abandon", form, lambda: engine.abandon_session(session, **form.cleaned_data), "Abandoned."
    )


def _close_form(request, session, action: str, form):
    if action not in engine.closing_actions(session.status):
        message = f"This session is already {session.status}."
        return refuse(request, message, "conflict", redirect_to=_session_url(session))
    return render(request, CLOSE_PAGE, {"session": session, "action": action, "form": form})


def _close(request, session, action: str, form, close, message: str):
    if form.is_valid():
        try:
            session = close()
        except SessionClosed as closed:
            return _already_closed(request, session, closed)
        except InvalidAnswer as error:
            field = "target" if error.field.startswith("target") else error.field
            form.add_error(field if field in form.fields else None, error.message)
        else:
            return _closed(request, session, message)
    if not request.htmx:
        page = {"session": session, "action": action, "form": form}
        return refuse(request, form_error(form), response=lambda: render(request, CLOSE_PAGE, page))
    context = {"session": session, "form": form, "in_dialog": True}
    return refuse(request, form_error(form), response=render(request, f"{CLOSE_PAGE}#{action}_form", context))


def _closed(request, session, message: str):
    """`session` is the one the engine returned: read with what the page shows."""
    if not request.htmx:
        messages.success(request, message)
        return redirect(_session_url(session))
    response = render(request, f"{PAGE}#session", _page_context(request, session))
    return toast(reswap(retarget(response, "#session"), "outerHTML"), message)
