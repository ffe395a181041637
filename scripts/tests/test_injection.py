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


# ── Bodies that run code: refused wherever the sink stands ──────────────────────────────────────────

SINK_BODIES = [
    # Accepted by the placement check before: each placeholder was a quoted literal, but the body ran it.
    'Invoke-Expression ("Get-ADUser " + {{value}})',
    "$ExecutionContext.InvokeCommand.InvokeScript({{value}})",
    "Start-Process cmd.exe -ArgumentList '/c', {{value}}",
    "$v = {{value}}\nInvoke-Expression $v",
    "Add-Type -TypeDefinition {{value}}",
    # The same sinks written as PowerShell also reads them.
    "$v = {{value}}\niex $v",
    "$v = {{value}}\nI`nvoke-Ex`pression $v",
    "$v = {{value}}\nINVOKE\u2013EXPRESSION $v",
    "$v = {{value}}\nMicrosoft.PowerShell.Utility\\Invoke-Expression $v",
    '$v = {{value}}\n"$(iex $v)"',
    "$v = {{value}}\n[ ScriptBlock ]::Create($v).Invoke()",
    "$v = {{value}}\n[System.Management.Automation.ScriptBlock]::Create($v)",
    "$v = {{value}}\n([type]'ScriptBlock')::Create($v)",
    "$v = {{value}}\nNew-Object System.Management.Automation.ScriptBlock",
    "$v = {{value}}\n$executioncontext.invokecommand.newscriptblock($v)",
    "$v = {{value}}\n${ExecutionContext}.InvokeCommand.InvokeScript($v)",
    "$v = {{value}}\n[PowerShell]::Create().AddScript($v).Invoke()",
    "$v = {{value}}\nAdd-Type -TypeDefinition $v",
    "$v = {{value}}\n& $v",
    "$v = {{value}}\n&($v)",
    "$v = {{value}}\n. $v",
    "$v = {{value}}\n& 'iex' $v",
    "$v = {{value}}\n& (Get-Command i*x) $v",
    "$v = {{value}}\ncmd /c $v",
    "$v = {{value}}\nC:\\Windows\\System32\\cmd.exe /c $v",
    "$v = {{value}}\npowershell -NoProfile -Command $v",
    "$v = {{value}}\npwsh -c $v",
    "$v = {{value}}\nsaps pwsh -ArgumentList '-c', $v",
    "$v = {{value}}\nstart `\n  cmd -ArgumentList $v",
    "Start-Process msiexec.exe -ArgumentList '/i', {{value}}",
    "$v = {{value}}\n$p = @{FilePath = 'cmd.exe'; ArgumentList = $v}\nStart-Process @p",
    "$v = {{value}}\nInvoke-Command -ComputerName dc01 -ScriptBlock $v",
    "$v = {{value}}\nicm dc01 -sc:([scriptblock]::Create($v))",
    "$v = {{value}}\n(New-Object -ComObject WScript.Shell).Run($v)",
    "$v = {{value}}\n[Diagnostics.Process]::Start('cmd.exe', $v)",
    "$v = {{value}}\nInvoke-WmiMethod -Class Win32_Process -Name Create -ArgumentList $v",
    "$v = {{value}}\n[Reflection.Assembly]::Load($v)",
]
SAFE_BODIES = [
    "# Invoke-Expression is never used here\n$User = {{value}}\nGet-ADUser -Identity $User",
    "Invoke-Command -ComputerName dc01 -ScriptBlock { param($u) Unlock-ADAccount $u } -ArgumentList {{value}}",
    "& { Get-Date }\nGet-ADUser -Identity {{value}} 2>&1 | Select-Object Name",
    "Start-Process msiexec.exe -ArgumentList '/i', 'C:\\Temp\\agent.msi' -Wait\nWrite-Output {{value}}",
    "$Service = Get-Service -Name {{value}}\n$Service.Start()\nWrite-Host 'Starting the service'",
]


@pytest.mark.parametrize("body", SINK_BODIES)
def test_a_body_that_runs_code_it_builds_is_refused(body):
    with pytest.raises(template_engine.InvalidTemplate) as refused:
        template_engine.check_template(body, SCHEMA)

    assert any("a template may not run code it builds" in problem for problem in refused.value.problems)


@pytest.mark.parametrize("body", SAFE_BODIES)
def test_a_body_that_only_passes_values_as_data_is_accepted(body):
    template_engine.check_template(body, SCHEMA)


def test_the_refusal_names_the_line_of_the_sink():
    with pytest.raises(template_engine.InvalidTemplate) as refused:
        template_engine.check_template("$v = {{value}}\nWrite-Output $v\n\nI`nvoke-Expression $v\n", SCHEMA)

    assert refused.value.problems == [
        "Line 4: Invoke-Expression runs text as code: a template may not run code it builds."
    ]


def test_every_builtin_template_passes_the_check():
    definitions = builtin_definitions()

    for definition in definitions:
        template_engine.check_template(definition["body"], definition["parameters_schema"])
    assert len(definitions) == 26
