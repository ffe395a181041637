"""The script library, the configure pane (form, live preview, generate, download), history, and the
template editor for admins. Every generation goes through services.generate."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from resolutionflow.htmx import page_or_piece, refuse, toast
from resolutionflow.tenancy import account_member_required, admin_required
from scripts import selectors, services, template_engine
from scripts.downloads import GENERATION_FIELD, NO_STORE, ps1_response
from scripts.errors import InvalidParameters, NotUsable
from scripts.forms import LibraryFilterForm, TemplateForm, parameter_fields, values_from_request
from scripts.highlighting import highlight_powershell
from scripts.permissions import can_edit_template, can_manage_templates, require_template_editor

PAGE_SIZE = 50
CONFIGURE = "scripts/configure.html"
CHECK_PARAMETERS = "Check the highlighted parameters."
CHECK_TEMPLATE = "Check the form: the template was not saved."


@account_member_required
def library(request):
    categories = selectors.categories(request.user)
    filters = LibraryFilterForm(request.GET, categories=categories).values(request)
    context = {
        "templates": selectors.library(request.user, **filters),
        "categories": categories,
        "filters": filters,
        "can_manage": can_manage_templates(request.user),
    }
    return render(request, page_or_piece(request, "scripts/library.html", "results"), context)


@account_member_required
def by_slug(request, slug):
    """/scripts/t/<slug>/: the template a flow names, the most specific one the user may use."""
    found = selectors.template_by_slug(request.user, slug)
    if found is None:
        raise Http404("Not found.")
    query = f"?{request.GET.urlencode()}" if request.GET else ""
    return redirect(reverse("scripts:configure", args=[found.pk]) + query)


@account_member_required
def configure(request, pk):
    """The configure pane: the form (values from a link's query string, else defaults) and a preview."""
    template = selectors.template_for_page(request.user, pk)
    values = values_from_request(template.parameters, request.GET, submitted=False)
    return render(request, "scripts/configure.html", _pane_context(request, template, values))


@require_POST
@account_member_required
def preview(request, pk):
    """The live preview (HTMX, as the engineer types): valid values in, secrets as <redacted>."""
    template = selectors.template_for_page(request.user, pk)
    values = values_from_request(template.parameters, request.POST)
    return render(request, "scripts/configure.html#script-panel", _panel_context(template, values))


@require_POST
@account_member_required
def generate(request, pk):
    """Generate: the full script is in this response only (never stored, never cached)."""
    template = selectors.template_for_page(request.user, pk)
    values = values_from_request(template.parameters, request.POST)
    partial = f"{CONFIGURE}#pane" if request.htmx else CONFIGURE
    try:
        generation, script = services.generate(request.user, template, params=values)
    except NotUsable:
        raise Http404("Not found.") from None
    except InvalidParameters as error:
        context = _pane_context(request, template, values, errors=error.errors, echo_secrets=True)
        response = refuse(request, CHECK_PARAMETERS, response=lambda: render(request, partial, context))
        response["Cache-Control"] = NO_STORE
        return response
    context = _pane_context(request, template, values, generation=generation, script=script, echo_secrets=True)
    response = render(request, partial, context)
    response["Cache-Control"] = NO_STORE
    return toast(response, "Script generated.") if request.htmx else response


@require_POST
@account_member_required
def download(request, pk):
    """The script as a .ps1 file. Right after Generate (the form carries `generation-id`) with the same
    values it is that generation's script again; otherwise a generation is recorded (secrets redacted)."""
    template = selectors.template_for_page(request.user, pk)
    values = values_from_request(template.parameters, request.POST)
    script = services.generate_again(
        request.user, template, params=values, generation_id=request.POST.get(GENERATION_FIELD)
    )
    if script is None:
        try:
            _, script = services.generate(request.user, template, params=values)
        except NotUsable:
            raise Http404("Not found.") from None
        except InvalidParameters as error:
            context = _pane_context(request, template, values, errors=error.errors, echo_secrets=True)
            response = refuse(request, CHECK_PARAMETERS, response=lambda: render(request, CONFIGURE, context))
            response["Cache-Control"] = NO_STORE
            return response
    return ps1_response(template, script)


def _panel_context(template, values, *, generation=None, script=None) -> dict:
    has_secrets = any(p.is_secret for p in template.parameters)
    if script is not None:
        return {
            "template": template,
            "generation": generation,
            "has_secrets": has_secrets,
            "code": highlight_powershell(script),
        }
    shown = template_engine.render_preview(template.body, template.parameters_schema, values)
    labels = {p.key: p.label for p in template.parameters}
    return {
        "template": template,
        "generation": None,
        "has_secrets": has_secrets,
        "code": highlight_powershell(shown.script),
        "missing": [labels[key] for key in shown.missing],
        "invalid": [labels[key] for key in shown.errors],
    }


def _pane_context(request, template, values, *, errors=None, generation=None, script=None, echo_secrets=False) -> dict:
    return {
        "template": template,
        "fields": parameter_fields(template.parameters, values, errors, echo_secrets=echo_secrets),
        "can_edit": can_edit_template(request.user, template),
        "can_copy": can_manage_templates(request.user) and not can_edit_template(request.user, template),
        **_panel_context(template, values, generation=generation, script=script),
    }


@account_member_required
def history(request):
    page = Paginator(selectors.my_generations(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "scripts/history.html", {"generations": page})


@account_member_required
def generation_detail(request, pk):
    generation = selectors.generation(request.user, pk)
    return render(
        request,
        "scripts/generation_detail.html",
        {"generation": generation, "code": highlight_powershell(generation.script)},
    )


# ── Admins: the account's templates ─────────────────────────────────────────────────────────────────


@admin_required
def template_new(request):
    require_template_editor(request.user)
    form = TemplateForm(request.POST or None, user=request.user, initial={"parameters_schema": '{"parameters": []}'})
    if request.method == "POST" and form.is_valid():
        template = _save(request, form)
        if template is not None:
            messages.success(request, f"“{template.name}” created.")
            return redirect("scripts:configure", pk=template.pk)
    return _template_form(request, form, None)


@admin_required
def template_edit(request, pk):
    template = selectors.template_for_page(request.user, pk)
    require_template_editor(request.user, template)
    form = TemplateForm(request.POST or None, user=request.user, initial=TemplateForm.initial_for(template))
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, template)
        if saved is not None:
            messages.success(request, f"“{saved.name}” saved (version {saved.version}).")
            return redirect("scripts:configure", pk=saved.pk)
    return _template_form(request, form, template)


def _template_form(request, form, template):
    """The template form; refused (422, the errors on their fields) when it was posted."""

    def page():
        return render(request, "scripts/template_form.html", {"form": form, "template": template})

    return refuse(request, CHECK_TEMPLATE, response=page) if form.errors else page()


def _save(request, form, template=None):
    try:
        return services.save_template(request.user, template=template, **form.cleaned_data)
    except ValidationError as error:
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
        return None


@require_POST
@admin_required
def template_copy(request, pk):
    source = selectors.template_for_page(request.user, pk)
    copy = services.copy_template(request.user, source)
    messages.success(request, f"Copied to your account as “{copy.name}”: edit it to make it yours.")
    return redirect("scripts:template-edit", pk=copy.pk)
