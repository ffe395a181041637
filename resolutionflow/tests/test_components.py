"""The shared components in templates/components/ drawn on their own: the pager, the stars, the field."""

import re

import pytest
from django import forms
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory

from resolutionflow.testing import pager_link


def pager(url: str, number: int, **options) -> str:
    request = RequestFactory().get(url)
    page = Paginator(range(45), 20).get_page(number)
    return render_to_string("components/pager.html", {"page": page, **options}, request=request)


def test_the_pager_keeps_every_parameter_and_changes_only_the_page():
    html = pager("/things/?q=a+b&domain=vpn&tag=x&tag=y&page=2", 2)

    assert pager_link(html, "prev") == ("/things/", {"q": "a b", "domain": "vpn", "tag": "y", "page": "1"})
    assert pager_link(html, "next") == ("/things/", {"q": "a b", "domain": "vpn", "tag": "y", "page": "3"})
    assert "tag=x&amp;tag=y" in html  # repeated parameters stay whole
    assert "21–40 of 45" in html


def test_the_pager_links_to_the_lists_path_when_given_one():
    html = pager("/review/1234/?tab=all", 1, path="/review/")

    assert pager_link(html, "next") == ("/review/", {"tab": "all", "page": "2"})


def test_the_pager_swaps_with_htmx_only_when_asked():
    assert "hx-get" not in pager("/things/", 1)
    html = pager("/things/", 1, htmx=True, hx_target="#list", hx_swap="outerHTML")

    assert 'hx-get="/things/?page=2" hx-push-url="true" hx-target="#list" hx-swap="outerHTML"' in html


def test_a_single_page_draws_no_pager():
    request = RequestFactory().get("/things/")
    page = Paginator(range(5), 20).get_page(1)

    assert render_to_string("components/pager.html", {"page": page}, request=request).strip() == ""


@pytest.mark.parametrize(("rating", "filled"), [(1, 1), (4, 4), (5, 5), (3.49, 3), (3.5, 4), (4.5, 5), (2.5, 3)])
def test_stars_fill_the_rating_rounded_half_up(rating, filled):
    html = render_to_string("components/stars.html", {"rating": rating})

    assert html.count("<svg") == 5
    assert len(re.findall(r'class="size-4 fill-amber-400', html)) == filled


class NoteForm(forms.Form):
    note = forms.CharField(help_text="Kept with the session.")


def test_a_field_draws_label_hint_widget_help_and_errors():
    form = NoteForm(data={})
    form.is_valid()

    html = render_to_string("components/field.html", {"field": form["note"], "hint": "One line is enough."})

    assert '<label for="id_note" class="field-label">Note</label>' in html
    assert "One line is enough." in html
    assert 'aria-describedby="id_note_helptext id_note_error"' in html and '<p id="id_note_helptext"' in html
    assert '<div id="id_note_error"><p class="field-error">This field is required.</p></div>' in html


@pytest.mark.parametrize("layout", ["", "grid"])
def test_script_fields_without_parameters_say_the_script_runs_as_it_is(layout):
    html = render_to_string("components/script_fields.html", {"fields": [], "layout": layout})

    assert "This script has no parameters: it runs as it is." in html and "<input" not in html
