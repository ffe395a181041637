"""The owner's PSA settings page: the connection, "Test connection", and who each engineer is in the PSA.

One page (templates/flowpilot/psa/settings.html) whose pieces htmx swaps: everything under the header after
saving the connection, the chosen provider's fields, the test result, and one row of the engineers' table.
Every view works without JavaScript too (a full page, or post/redirect/get). Owners only; another account's
engineer is a 404. (The session-side PSA pages are in ticket_views.py.)
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from flowpilot.errors import PsaUnavailable
from flowpilot.psa import connection as connections
from flowpilot.psa.connectors.base import Provider
from flowpilot.psa.forms import SECRET_FIELDS, ConnectionForm, IdentityForm
from flowpilot.psa.models import PsaConnection, PsaUserIdentity
from resolutionflow.htmx import is_partial, page_or_piece, refuse, toast
from resolutionflow.models import User
from resolutionflow.tenancy import access, owner_required

TEMPLATE = "flowpilot/psa/settings.html"


def _identity_row(person: User, mapping: PsaUserIdentity | None, provider: Provider, form=None) -> dict:
    """One row of the engineers' table: its inputs belong to the row's own <form> (in its last cell)."""
    form = form or IdentityForm(instance=mapping, provider=provider, prefix=f"u{person.pk.hex}")
    for field in form.fields.values():
        field.widget.attrs.update(
            {"form": f"psa-identity-form-{person.pk}", "aria-label": f"{field.label} of {person.display_name}"}
        )
    return {"person": person, "form": form, "is_mapped": mapping is not None and bool(mapping.identity(provider))}


def _page_context(request, *, form=None, connection=None) -> dict:
    account = request.user.account
    connection = connection if connection is not None else connections.connection_of(account)
    form = form or ConnectionForm(instance=connection, provider=request.GET.get("provider"))
    provider = Provider(connection.provider) if connection is not None else None
    rows = connections.identity_rows(account) if provider else []
    return {
        "connection": connection,
        "form": form,
        "provider_fields": form.fields_of(form.chosen_provider),
        "problem": connections.credentials_problem(connection),
        "provider": provider,
        "identity_rows": [_identity_row(person, mapping, provider) for person, mapping in rows],
    }


def _with_row(request, row: dict) -> dict:
    """The page's context with one engineer's row replaced by `row` (a form with its errors)."""
    context = _page_context(request)
    context["identity_rows"] = [row if r["person"].pk == row["person"].pk else r for r in context["identity_rows"]]
    return {**context, "row": row}


@sensitive_post_parameters(*SECRET_FIELDS)  # Django's error reports never show the typed credentials
@owner_required
@require_http_methods(["GET", "POST"])
def psa_settings(request):
    """The page (GET; `?provider=` shows that provider's fields), and saving the connection (POST)."""
    account = request.user.account
    if request.method == "GET":
        context = _page_context(request)
        if is_partial(request) and "provider" in request.GET:
            return render(request, f"{TEMPLATE}#provider_fields", context)
        return render(request, TEMPLATE, context)

    connection = connections.connection_of(account) or PsaConnection(account=account)
    form = ConnectionForm(request.POST, instance=connection)

    def with_errors():
        return render(request, page_or_piece(request, TEMPLATE, "settings_body"), _page_context(request, form=form))

    if not form.is_valid():
        if form.unavailable:
            return refuse(request, form.unavailable, "conflict", response=with_errors)
        return refuse(request, "Check the highlighted fields.", "invalid", response=with_errors)
    try:
        connection = form.save_connection(account=account, by=request.user)
    except PsaUnavailable as exc:
        return refuse(request, exc.message, "conflict", response=with_errors)
    if is_partial(request):
        # The engineers' table depends on the provider: the whole body is drawn again.
        context = _page_context(request, connection=connection)
        return toast(render(request, f"{TEMPLATE}#settings_body", context), "PSA connection saved.")
    messages.success(request, "PSA connection saved.")
    return redirect("flowpilot:psa-settings")


@owner_required
@require_POST
def psa_test(request):
    """Ask the PSA whether the saved connection works; its answer (or why not) is shown in words."""
    connection = connections.connection_of(request.user.account)
    if connection is None:
        return refuse(request, "Save the connection first.", "invalid", redirect_to="flowpilot:psa-settings")
    check = connections.check_connection(connection)
    level = "success" if check.ok else "warning"
    summary = "The PSA answered: the connection works." if check.ok else "The connection test failed."
    if is_partial(request):
        context = {"connection": connection}
        return toast(render(request, f"{TEMPLATE}#test_result", context), summary, level=level)
    getattr(messages, level)(request, f"{summary} {check.message}")
    return redirect("flowpilot:psa-settings")


@owner_required
@require_POST
def psa_identity(request, pk):
    """Save who one engineer of the account is in the PSA (their row of the table)."""
    account = request.user.account
    person = access(User, request.user, pk)
    connection = connections.connection_of(account)
    if connection is None:
        return refuse(request, "Save the connection first.", "invalid", redirect_to="flowpilot:psa-settings")
    provider = Provider(connection.provider)
    mapping = PsaUserIdentity.objects.for_account(account).filter(user=person).first()
    form = IdentityForm(request.POST, instance=mapping, provider=provider, prefix=f"u{person.pk.hex}")
    if not form.is_valid():
        row = _identity_row(person, mapping, provider, form=form)
        return refuse(
            request,
            f"Check {person.display_name}'s identity.",
            "invalid",
            response=lambda: render(request, page_or_piece(request, TEMPLATE, "identity_row"), _with_row(request, row)),
        )
    mapping = connections.save_identity(account, person, form.cleaned_data)
    message = f"{person.display_name} saved." if mapping else f"{person.display_name} now acts as the account default."
    if is_partial(request):
        row = _identity_row(person, mapping, provider)
        return toast(render(request, f"{TEMPLATE}#identity_row", {"row": row}), message)
    messages.success(request, message)
    return redirect("flowpilot:psa-settings")
