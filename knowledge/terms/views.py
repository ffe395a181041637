"""The generalisation terms page: team admins and owners list the names proposals must not carry."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from knowledge.terms import services
from knowledge.terms.forms import TermForm
from resolutionflow.tenancy import admin_required

TEMPLATE = "knowledge/terms.html"


@admin_required
def term_list(request):
    form = TermForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            services.add_term(request.user.account, **form.cleaned_data)
            messages.success(request, f"“{form.cleaned_data['term']}” is generalised in new proposals.")
            return redirect("knowledge:terms")
        response = render(request, TEMPLATE, {"form": form, "terms": services.account_terms(request.user.account)})
        response.status_code = 422
        return response
    return render(request, TEMPLATE, {"form": form, "terms": services.account_terms(request.user.account)})


@require_POST
@admin_required
def term_delete(request, pk):
    if not services.remove_term(request.user.account, pk):
        raise Http404("No such term.")
    messages.success(request, "Term removed.")
    return redirect("knowledge:terms")
