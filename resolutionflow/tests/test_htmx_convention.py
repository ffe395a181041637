"""The HTMX convention (resolutionflow.htmx): partial or page, several pieces, and one status per refusal."""

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails

from resolutionflow.api.errors import permission_denied
from resolutionflow.htmx import REFUSAL_STATUS, form_error, is_partial, page_or_piece, refuse, render_pieces
from resolutionflow.testing import HTMX, toast_of


def request_with(method="get", **headers):
    request = getattr(RequestFactory(), method)("/somewhere/", **headers)
    request.htmx = HtmxDetails(request)
    request._messages = CookieStorage(request)
    return request


# ── Partial or page ─────────────────────────────────────────────────────────────────────────────────


def test_an_htmx_request_is_partial():
    assert is_partial(request_with(**HTMX))
    assert page_or_piece(request_with(**HTMX), "page.html", "results") == "page.html#results"


def test_a_plain_visit_gets_the_whole_page():
    assert not is_partial(request_with())
    assert page_or_piece(request_with(), "page.html", "results") == "page.html"


def test_a_history_restore_gets_the_whole_page():
    """The back button after htmx's history cache missed: a bare piece would replace the whole page."""
    request = request_with(**HTMX, HTTP_HX_HISTORY_RESTORE_REQUEST="true")

    assert not is_partial(request)
    assert page_or_piece(request, "page.html", "results") == "page.html"


def test_a_boosted_link_gets_the_whole_page():
    request = request_with(**HTMX, HTTP_HX_BOOSTED="true")

    assert not is_partial(request)


def test_a_request_without_the_htmx_middleware_is_no_partial():
    assert not is_partial(RequestFactory().get("/"))


# ── Several pieces ──────────────────────────────────────────────────────────────────────────────────


@pytest.fixture
def pieces_template(tmp_path, settings):
    (tmp_path / "pieces.html").write_text(
        "{% load partials %}"
        '{% partialdef a %}<div id="a"{% if oob %} hx-swap-oob="true"{% endif %}>{{ value }}</div>{% endpartialdef %}'
        '{% partialdef b %}<div id="b"{% if oob %} hx-swap-oob="true"{% endif %}>{{ value }}</div>{% endpartialdef %}'
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0].get("DIRS", [])]},
        *settings.TEMPLATES[1:],
    ]
    return "pieces.html"


def test_the_first_piece_is_swapped_and_the_others_are_out_of_band(pieces_template):
    response = render_pieces(request_with(**HTMX), pieces_template, ["a", "b"], {"value": "x"})

    assert response.status_code == 200
    assert response.content.decode() == '<div id="a">x</div><div id="b" hx-swap-oob="true">x</div>'


def test_without_a_target_every_piece_is_out_of_band(pieces_template):
    response = render_pieces(request_with(**HTMX), pieces_template, ["a", "b"], {"value": "x"}, target=None)

    assert response.content.decode().count('hx-swap-oob="true"') == 2


def test_a_named_target_is_swapped_wherever_it_is_listed(pieces_template):
    response = render_pieces(request_with(**HTMX), pieces_template, ["a", "b"], {"value": "x"}, target="b")

    assert response.content.decode() == '<div id="a" hx-swap-oob="true">x</div><div id="b">x</div>'


# ── Refusals: one status code per kind ──────────────────────────────────────────────────────────────


def test_each_kind_of_refusal_has_its_one_status_code():
    assert REFUSAL_STATUS == {"invalid": 422, "conflict": 409, "forbidden": 403, "throttled": 429}


@pytest.mark.parametrize("kind, status", [("invalid", 422), ("conflict", 409), ("forbidden", 403), ("throttled", 429)])
def test_an_htmx_refusal_answers_its_status_with_a_toast_and_an_empty_body(kind, status):
    response = refuse(request_with("post", **HTMX), "Not like this.", kind)

    assert response.status_code == status
    assert response.content == b""  # app.js swaps nothing: the page stays as it was
    assert toast_of(response)["message"] == "Not like this."


def test_a_refusal_with_the_form_re_rendered_carries_the_status_and_the_toast():
    response = refuse(request_with("post", **HTMX), "Check the form.", response=HttpResponse("<form>errors</form>"))

    assert response.status_code == 422
    assert response.content == b"<form>errors</form>"
    assert toast_of(response) == {"level": "warning", "message": "Check the form."}


def test_form_error_is_the_forms_first_error():
    from django import forms

    class NoteForm(forms.Form):
        note = forms.CharField(error_messages={"required": "Say something."})

    form = NoteForm({})
    form.is_valid()

    assert form_error(form) == "Say something."


def test_a_forbidden_refusal_is_an_error_toast():
    assert toast_of(refuse(request_with("post", **HTMX), "No.", "forbidden"))["level"] == "error"


def test_a_full_page_refusal_redirects_back_with_the_message():
    request = request_with("post")

    response = refuse(request, "This proposal was already reviewed.", "conflict", redirect_to="/review/")

    assert response.status_code == 302 and response["Location"] == "/review/"
    assert [str(m) for m in get_messages(request)] == ["This proposal was already reviewed."]


def test_a_full_page_refusal_renders_the_page_after_queueing_the_message():
    request = request_with("post")

    def page():
        return HttpResponse(" | ".join(str(m) for m in get_messages(request)))

    response = refuse(request, "Check the form.", response=page)

    assert response.status_code == 422
    assert response.content == b"Check the form."


def test_a_full_page_refusal_needs_somewhere_to_go():
    with pytest.raises(ValueError):
        refuse(request_with("post"), "No.", "conflict")


def test_an_unknown_kind_of_refusal_is_a_programming_error():
    with pytest.raises(ValueError):
        refuse(request_with("post", **HTMX), "No.", "teapot")


def test_permission_denied_for_an_htmx_request_is_a_403_toast_with_the_reason():
    response = permission_denied(request_with("post", **HTMX), PermissionDenied("Only team admins review."))

    assert response.status_code == 403
    assert toast_of(response) == {"level": "error", "message": "Only team admins review."}


# ── Through the site's pages ────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("url", ["/flows/", "/review/", "/sessions/", "/scripts/"])
def test_every_list_page_answers_a_history_restore_with_the_whole_page(client, northwind_admin, url):
    client.force_login(northwind_admin)

    piece = client.get(url, **HTMX)
    restored = client.get(url, **HTMX, HTTP_HX_HISTORY_RESTORE_REQUEST="true")

    assert piece.status_code == restored.status_code == 200
    assert b"<html" not in piece.content
    assert b"<html" in restored.content
