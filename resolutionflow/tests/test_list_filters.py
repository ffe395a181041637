"""List filters are read by forms (pages) and serializers (API): an unknown value is ignored with a warning on a
page and refused with the field's error by the API; never a 500."""

import pytest
from django import forms

from resolutionflow.list_filters import ListFilterForm
from resolutionflow.testing import HTMX


class ColourFilter(ListFilterForm):
    colour = forms.ChoiceField(choices=[("red", "Red"), ("blue", "Blue")], required=False, initial="red")
    size = forms.ChoiceField(choices=[("", "Any"), ("s", "S")], required=False)
    page = forms.IntegerField(min_value=1, required=False, initial=1)


def test_known_values_are_kept():
    assert ColourFilter({"colour": "blue", "size": "s", "page": "3"}).values() == {
        "colour": "blue",
        "size": "s",
        "page": 3,
    }


def test_missing_or_blank_values_take_the_defaults():
    assert ColourFilter({"colour": ""}).values() == {"colour": "red", "size": "", "page": 1}


def test_an_unknown_value_takes_the_default_and_is_named():
    form = ColourFilter({"colour": "mauve", "size": "s", "page": "-2"})

    assert form.values() == {"colour": "red", "size": "s", "page": 1}
    assert form.ignored == ["colour", "page"]
    assert "colour “mauve”" in form.ignored_message() and "page “-2”" in form.ignored_message()


# ── The pages ───────────────────────────────────────────────────────────────────────────────────────

PAGE_CASES = [
    ("/sessions/", {"status": "bogus"}, "status “bogus”"),
    ("/sessions/", {"tier": "psychic", "scope": "everyone"}, "confidence “psychic”"),
    ("/flows/", {"origin": "martian", "sort": "random"}, "origin “martian”"),
    ("/flows/", {"q": "vpn " * 100}, "search “vpn vpn"),
    ("/review/", {"tab": "nope", "page": "zero"}, "tab “nope”"),
    ("/scripts/", {"category": "no-such-shelf"}, "category “no-such-shelf”"),
]


@pytest.mark.parametrize("url, query, named", PAGE_CASES)
def test_a_list_page_ignores_an_unknown_filter_with_a_warning(client, northwind_admin, url, query, named):
    client.force_login(northwind_admin)

    response = client.get(url, query)

    assert response.status_code == 200
    assert "Ignored what this list does not know" in response.content.decode()
    assert named in response.content.decode()


@pytest.mark.parametrize("url", ["/sessions/", "/flows/", "/review/", "/scripts/"])
def test_known_filters_bring_no_warning(client, northwind_admin, url):
    client.force_login(northwind_admin)

    assert "Ignored what this list does not know" not in client.get(url).content.decode()


def test_a_filter_change_over_htmx_answers_the_results_without_a_warning(client, northwind_admin):
    client.force_login(northwind_admin)

    response = client.get("/sessions/", {"status": "bogus"}, **HTMX)

    assert response.status_code == 200 and b"<html" not in response.content
    client.get("/sessions/")  # the warning was not kept for the next page either
    assert "Ignored what this list does not know" not in client.get("/sessions/").content.decode()


# ── The API ─────────────────────────────────────────────────────────────────────────────────────────

API_CASES = [
    ("/api/v1/ai-sessions", {"status": "bogus"}, "status"),
    ("/api/v1/ai-sessions", {"scope": "everyone"}, "scope"),
    ("/api/v1/ai-sessions", {"problem_domain": "astrology"}, "problem_domain"),
    ("/api/v1/ai-sessions", {"confidence_tier": "psychic"}, "confidence_tier"),
    ("/api/v1/flows", {"origin": "martian"}, "origin"),
    ("/api/v1/flows", {"sort": "random"}, "sort"),
    ("/api/v1/flows", {"q": "vpn " * 100}, "q"),
    ("/api/v1/flow-proposals", {"status": "bogus"}, "status"),
    ("/api/v1/flow-proposals", {"proposal_type": "prophecy"}, "proposal_type"),
    ("/api/v1/scripts/templates", {"category": "no-such-shelf"}, "category"),
]


@pytest.mark.parametrize("url, query, field", API_CASES)
def test_an_api_list_refuses_an_unknown_filter_with_400_and_the_field(api_as, northwind_admin, url, query, field):
    response = api_as(northwind_admin).get(url, query)

    assert response.status_code == 400
    assert list(response.json()) == [field]


@pytest.mark.parametrize(
    "url, query",
    [
        ("/api/v1/ai-sessions", {"scope": "mine", "status": "active", "problem_domain": "unknown"}),
        ("/api/v1/flows", {"problem_domain": "vpn", "sort": "usage", "status": ""}),
        ("/api/v1/flow-proposals", {"status": "approved", "sort": "support"}),
        ("/api/v1/flow-proposals", {"status": "auto_reinforced"}),
        ("/api/v1/scripts/templates", {"category": "", "q": "reset"}),
    ],
)
def test_an_api_list_accepts_its_known_filters(api_as, northwind_admin, url, query):
    assert api_as(northwind_admin).get(url, query).status_code == 200
