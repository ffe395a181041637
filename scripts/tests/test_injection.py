"""Known injection payloads: each is refused, or arrives as one inert single-quoted literal."""

import pytest
from pygments.lexers import PowerShellLexer
from pygments.token import String

from scripts import template_engine
from scripts.library import builtin_definitions
from scripts.tests.powershell import QUOTES, assert_substituted_exactly, read_single_quoted

PAYLOADS = [
    "'; Remove-Item -Recurse -Force C:\\ ; '",
    "jsmith'; Remove-ADUser -Identity Administrator -Confirm:$false; '",
    "''; Stop-Computer -Force #",
    "\u2019; Remove-Item C:\\ -Recurse; \u2018",
    "x\u2019\u2019; calc; \u2018",
    "\u201a; calc; \u201b",
    "\u2018\u2019\u201a\u201b'",
    "$(Remove-Item C:\\Windows -Recurse)",
    "$(calc.exe)",
    "${env:USERPROFILE}",
    "$env:ComputerName",
    "`$(calc)",
    "`'; calc; `'",
    "abc`",
    '"; Remove-Item C:\\ -Recurse; "',
    "\u201c; calc; \u201d",
    "@' Remove-Item C:\\ '@",
    '@" $(calc) "@',
    "; & calc.exe",
    "& { Remove-Item C:\\ -Recurse }",
    "| Out-File C:\\Windows\\win.ini",
    "jsmith -Confirm:$false",
    "\u2013Recurse \u2014Force \u2015WhatIf",
    "# the rest is a comment",
    "<# block #> calc",
    "{{sam_account_name}}",
    "[scriptblock]::Create('calc').Invoke()",
    "-EncodedCommand YwBhAGwAYwA=",
    "%SystemRoot%\\System32\\calc.exe",
    "a" + "'" * 50,
]
REFUSED = [
    "jsmith\nRemove-Item C:\\ -Recurse",
    "jsmith\r\nStop-Computer",
    "jsmith\rcalc",
    "@'\nRemove-Item C:\\\n'@",
    'x\n"@\ncalc\n@"',
    "nul\x00byte",
    "jsmith\u2028calc",
    "jsmith\u0085calc",
    "abc\u202e'; calc",
    "tab\tcalc",
    "esc\x1b[2Jcalc",
]

BODY = "$Value = {{value}}\nWrite-Output $Value\n"
SCHEMA = {"parameters": [{"key": "value", "type": "string", "required": True}]}
SECRET_SCHEMA = {"parameters": [{"key": "value", "type": "secret", "required": True}]}


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("schema", [SCHEMA, SECRET_SCHEMA], ids=["string", "secret"])
def test_a_payload_becomes_one_literal_that_reads_back_exactly(payload, schema):
    value = payload if schema is SECRET_SCHEMA else payload.strip()
    rendered = template_engine.render(BODY, schema, {"value": payload})

    assert_substituted_exactly(BODY, rendered.script, {"value": ("quoted", value)})
    read, end = read_single_quoted(rendered.script, len("$Value = "))
    assert read == value and rendered.script[end:] == "\nWrite-Output $Value\n"


@pytest.mark.parametrize("payload", [p for p in PAYLOADS if not set(p) & set(QUOTES[1:])])
def test_pygments_sees_one_single_quoted_string_for_ascii_payloads(payload):
    script = template_engine.render(BODY, SCHEMA, {"value": payload}).script
    strings = [(i, text) for i, kind, text in PowerShellLexer().get_tokens_unprocessed(script) if kind in String]

    assert strings == [(len("$Value = "), template_engine.quote(payload.strip()))]


@pytest.mark.parametrize("payload", REFUSED)
@pytest.mark.parametrize("schema", [SCHEMA, SECRET_SCHEMA], ids=["string", "secret"])
def test_a_payload_with_line_breaks_or_control_characters_is_refused(payload, schema):
    with pytest.raises(template_engine.InvalidParameters) as error:
        template_engine.render(BODY, schema, {"value": payload})

    assert "control or invisible characters" in error.value.errors["value"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_typed_parameters_refuse_payloads_outright(payload):
    for kind in ("int", "bool", "email", "upn", "sam_account_name", "hostname", "ip", "ou_dn", "path"):
        parameter = template_engine.Parameter(key="value", label="Value", type=kind)
        try:
            value = template_engine.clean_value(parameter, payload)
        except ValueError:
            continue
        # A few payloads are legal values of a loose type (a sAMAccountName may hold $ and quotes);
        # they are still one literal.
        assert kind in ("sam_account_name", "path") and template_engine.literal(parameter, value).startswith("'")


def test_payloads_through_a_builtin_template():
    definition = next(d for d in builtin_definitions() if d["slug"] == "ad-group-membership")
    for payload in PAYLOADS:
        if set(payload) & set("*?[]"):
            continue
        values = {"sam_account_name": "jsmith", "group_name": payload, "action": "Remove"}
        script = template_engine.render(definition["body"], definition["parameters_schema"], values).script
        assert_substituted_exactly(
            definition["body"],
            script,
            {
                "sam_account_name": ("quoted", "jsmith"),
                "group_name": ("quoted", payload.strip()),
                "action": ("quoted", "Remove"),
            },
        )
