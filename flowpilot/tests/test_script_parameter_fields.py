"""Every script parameter type draws the same input in the library's configure pane and in the session's
generator card (components/script_fields.html): its type, keyboard (inputmode), bounds and help line."""

from html.parser import HTMLParser

import pytest

from flowpilot import engine
from flowpilot.tests.test_session_scripts import INTAKE, flow_with_script
from scripts.template_engine import TYPE_LABELS, TYPES
from scripts.tests.factories import ScriptTemplateFactory

PARAMETERS = [
    {"key": "sam_account_name", "type": "sam_account_name", "required": True},
    {"key": "days", "type": "int", "min": 1, "max": 90},
    {"key": "unlock", "type": "bool"},
    {"key": "mode", "type": "choice", "choices": ["Reset", "Expire"]},
    {"key": "mail", "type": "email"},
    {"key": "upn", "type": "upn"},
    {"key": "note", "type": "string"},
    {"key": "host", "type": "hostname"},
    {"key": "address", "type": "ip"},
    {"key": "ou", "type": "ou_dn"},
    {"key": "folder", "type": "path"},
    {"key": "password", "type": "secret"},
]
SCHEMA = {"parameters": [{**p, "label": p["key"].title(), "help": f"What {p['key']} means."} for p in PARAMETERS]}
BODY = "".join(f"${p['key']} = {{{{{p['key']}}}}}\n" for p in PARAMETERS)


class Elements(HTMLParser):
    """The page's elements by id: tag name, attributes and the text directly inside."""

    def __init__(self, html: str):
        super().__init__()
        self.by_id, self._open = {}, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.by_id[attrs["id"]] = {"tag": tag, **attrs, "text": ""}
            self._open = attrs["id"]

    def handle_data(self, data):
        if self._open:
            self.by_id[self._open]["text"] += data

    def handle_endtag(self, tag):
        self._open = None


@pytest.fixture
def template(northwind):
    return ScriptTemplateFactory(account=northwind, slug="ad-unlock-user", body=BODY, parameters_schema=SCHEMA)


def library_pane(client, user, template) -> str:
    return client.get(f"/scripts/{template.pk}/").content.decode()


def session_card(client, user, template) -> str:
    flow_with_script(template.account, template.slug)
    session = engine.start_session(user, INTAKE)
    engine.answer_step(session, selected_option="Yes, locked out")
    html = client.get(f"/sessions/{session.pk}/").content.decode()
    assert 'id="script-generator"' in html
    return html


def test_the_session_card_shows_no_template_comment(client, northwind_engineer, template):
    client.force_login(northwind_engineer)

    assert "{#" not in session_card(client, northwind_engineer, template)


@pytest.fixture(params=[library_pane, session_card], ids=["library", "session"])
def inputs(request, client, northwind_engineer, template) -> dict:
    client.force_login(northwind_engineer)
    return Elements(request.param(client, northwind_engineer, template)).by_id


def test_the_schema_covers_every_parameter_type():
    assert {p["type"] for p in PARAMETERS} == set(TYPES)


def test_a_whole_number_has_a_numeric_keyboard_and_its_bounds(inputs):
    days = inputs["param-days"]

    assert (days["type"], days["inputmode"], days["min"], days["max"]) == ("number", "numeric", "1", "90")


@pytest.mark.parametrize("key", ["mail", "upn"])
def test_an_address_gets_the_email_keyboard(inputs, key):
    assert inputs[f"param-{key}"]["inputmode"] == "email"


def test_a_secret_is_a_password_input_a_choice_a_select_a_yes_no_a_checkbox(inputs):
    assert inputs["param-password"]["type"] == "password"
    assert inputs["param-password"]["autocomplete"] == "new-password"
    assert inputs["param-mode"]["tag"] == "select"
    assert inputs["param-unlock"]["type"] == "checkbox"


@pytest.mark.parametrize("key", ["note", "host", "address", "ou", "folder", "sam_account_name"])
def test_text_types_are_plain_text_without_a_number_keyboard(inputs, key):
    field = inputs[f"param-{key}"]

    assert field["type"] == "text" and "inputmode" not in field and "min" not in field


@pytest.mark.parametrize("parameter", PARAMETERS, ids=lambda p: p["type"])
def test_every_parameter_shows_its_help_and_names_it_for_screen_readers(inputs, parameter):
    key = parameter["key"]
    field, help_line = inputs[f"param-{key}"], inputs[f"param-{key}-help"]

    assert f"What {key} means." in help_line["text"]
    assert f"param-{key}-help" in field["aria-describedby"].split()
    if parameter["type"] != "bool":
        assert TYPE_LABELS[parameter["type"]] in help_line["text"]
