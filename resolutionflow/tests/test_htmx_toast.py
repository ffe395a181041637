import json

import pytest
from django.http import HttpResponse
from django_htmx.http import trigger_client_event

from resolutionflow.htmx import toast


def hx_trigger(response):
    return json.loads(response["HX-Trigger"])


def test_toast_puts_level_and_message_in_hx_trigger():
    response = toast(HttpResponse(), "Published.")

    assert hx_trigger(response) == {"toast": {"level": "success", "message": "Published."}}


def test_toast_returns_the_response_it_was_given():
    response = HttpResponse(status=409)

    assert toast(response, "This proposal was already reviewed.", level="warning") is response
    assert hx_trigger(response)["toast"] == {"level": "warning", "message": "This proposal was already reviewed."}


def test_toast_keeps_other_events_already_on_the_response():
    response = trigger_client_event(HttpResponse(), "proposalReviewed", {"id": 7})

    toast(response, "Published.")

    assert hx_trigger(response) == {
        "proposalReviewed": {"id": 7},
        "toast": {"level": "success", "message": "Published."},
    }


def test_events_added_after_a_toast_keep_the_toast():
    response = toast(HttpResponse(), "Published.")

    trigger_client_event(response, "queueChanged")

    assert hx_trigger(response) == {
        "toast": {"level": "success", "message": "Published."},
        "queueChanged": {},
    }


def test_a_second_toast_replaces_the_first_and_keeps_other_events():
    response = trigger_client_event(HttpResponse(), "queueChanged")

    toast(response, "Saved.")
    toast(response, "Published.", level="info")

    assert hx_trigger(response) == {"queueChanged": {}, "toast": {"level": "info", "message": "Published."}}


def test_non_ascii_messages_travel_as_ascii_json_escapes():
    response = toast(HttpResponse(), "Réseau indisponible — nothing was changed.", level="error")

    assert response["HX-Trigger"].isascii()
    assert hx_trigger(response)["toast"]["message"] == "Réseau indisponible — nothing was changed."


def test_markup_in_a_message_is_kept_as_text_for_the_browser_to_show_verbatim():
    response = toast(HttpResponse(), "<b>Flow</b> & co", level="info")

    assert hx_trigger(response)["toast"]["message"] == "<b>Flow</b> & co"


def test_an_unknown_level_is_refused():
    with pytest.raises(ValueError, match="Unknown toast level"):
        toast(HttpResponse(), "Hello", level="danger")
