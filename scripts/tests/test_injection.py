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
    # A reviewer's second round: each ran the value through a name the first check did not know.
    "$v = {{value}}\n${function:run} = $v; run",
    "$v = {{value}}\nNew-Item -Path function:run -Value $v",
    "$v = {{value}}\nSet-Item function:\\run -Value $v",
    "$v = {{value}}\nSet-Alias run ('Invoke-'+'Expression'); run $v",
    "$v = {{value}}\nNew-Alias -Value ('In'+'voke-Expression') -Name run\nrun $v",
    "$v = {{value}}\n$Host.Runspace.CreatePipeline($v).Invoke()",
    "$v = {{value}}\n(New-Object -ComObject ('WScript'+'.Shell')).Run($v)",
    "$v = {{value}}\nwmic process call create $v",
    "$v = {{value}}\nschtasks /create /tn Update /sc once /st 00:00 /tr $v",
    "$v = {{value}}\nforfiles /c $v",
    "$v = {{value}}\nStart-Job -FilePath $v",
    "$v = {{value}}\nRegister-ScheduledJob -Name Nightly -FilePath $v",
    "$v = {{value}}\nImport-Module $v",
    "$v = {{value}}\n[PowerShell]::Create().AddCommand($v)",
    # Function and alias definitions, however written.
    "$v = {{value}}\n$function:run = $v\nrun",
    "$v = {{value}}\n${Alias:run} = 'iex'\nrun $v",
    "$v = {{value}}\nSet-Location Function:\nni run -Value $v\nrun",
    "$v = {{value}}\nNew-Item -Path 'Microsoft.PowerShell.Core\\Function::run' -Value $v",
    "$v = {{value}}\nSet-Item ('func'+'tion:run') $v",
    "$v = {{value}}\n$p = 'func' + 'tion:run'\nNew-Item -Path $p -Value $v",
    "$v = {{value}}\nCopy-Item 'Alias:iex' 'Alias:run'\nrun $v",
    "$v = {{value}}\nsal run ('ie'+'x')\nrun $v",
    "$v = {{value}}\nnal -Name run -Value $v",
    "$v = {{value}}\nMicrosoft.PowerShell.Utility\\Set-Alias run $v",
    "$v = {{value}}\nNew-PSDrive -Name F -PSProvider Function -Root ''",
    "$v = {{value}}\ncd ('Func'+'tion:')\nni run -Value $v\nrun",
    "$v = {{value}}\n$d = 'Ali' + 'as:'\nPush-Location -Path $d",
    # Command, member, type and variable names chosen at run time.
    "$v = {{value}}\n.('ie'+'x') $v",
    "$v = {{value}}\n$obj = Get-Process -Id $PID\n$name = 'Kill'\n$obj.$name()",
    "$v = {{value}}\n$obj.('Invo'+'ke')($v)",
    "$v = {{value}}\n$n = 'Kill'\n(Get-Process -Id $PID).\"$n\"()",
    "$v = {{value}}\n$t = [psobject].Assembly.GetType('System.Management.Automation.ScriptBlock')\n$t::Create($v)",
    "$v = {{value}}\n[math]::$v(1)",
    "$v = {{value}}\n$o.GetType().GetMethod('Invoke').Invoke($o, @($v))",
    "$v = {{value}}\n[Activator]::CreateInstance('System.Management.Automation', $v)",
    "$v = {{value}}\n(Get-Variable ('Execution'+'Context') -ValueOnly).SessionState",
    "$v = {{value}}\n$c = gv -Name ('Exec'+'utionContext') -ValueOnly",
    "$v = {{value}}\nGet-Process | % $v",
    "$v = {{value}}\nGet-Process | ForEach-Object -MemberName $v",
    "$v = {{value}}\n(Get-Process).ForEach($v)",
    "$v = {{value}}\n[System.Management.Automation.Language.Parser]::ParseInput($v, [ref]$null, [ref]$null)",
    # Runspaces and the PowerShell API.
    "$v = {{value}}\n$r = [runspacefactory]::CreateRunspace()",
    "$v = {{value}}\n$ps = [System.Management.Automation.PowerShell]::Create()",
    "$v = {{value}}\n$Host.Runspace.CreateNestedPipeline($v, $false).Invoke()",
    # COM objects whose type or ProgID is not a literal, and those that run commands.
    "$v = {{value}}\n$o = New-Object -ComObject $v",
    "$v = {{value}}\n$o = New-Object -Com:('Shell'+'.Application')",
    "$v = {{value}}\n$o = New-Object -TypeName ('System.Net.' + 'WebClient')",
    "$v = {{value}}\n$o = New-Object {{value}}",
    "$v = {{value}}\n[activator]::CreateInstance([type]::GetTypeFromProgID($v))",
    "$v = {{value}}\n$s = New-Object -ComObject Schedule.Service",
    "$v = {{value}}\n$m = New-Object -ComObject MMC20.Application",
    "$v = {{value}}\n[Microsoft.VisualBasic.Interaction]::Shell($v)",
    # Program, job and module launchers.
    "$v = {{value}}\nC:\\Windows\\System32\\wbem\\WMIC.exe process call create $v",
    "$v = {{value}}\nschtasks.exe /run /tn $v",
    "$v = {{value}}\nat 23:00 $v",
    "$v = {{value}}\nforfiles /p C:\\Temp /c $v",
    "$v = {{value}}\npsexec \\\\dc01 $v",
    "$v = {{value}}\nif ($true) { return wmic process call create $v }",
    "$v = {{value}}\nsajb -ScriptBlock { param($x) $x } -ArgumentList $v",
    "$v = {{value}}\nRegister-ScheduledTask -TaskName x -Action (New-ScheduledTaskAction -Execute $v)",
    "$v = {{value}}\nipmo -Name $v",
    "$v = {{value}}\n$v | Import-Module",
    "$v = {{value}}\nImport-Module {{value}}",
    "$v = {{value}}\nInvoke-Item $v",
    "$v = {{value}}\nii -Path $v",
    "$v = {{value}}\nrundll32.exe url.dll,FileProtocolHandler $v",
    "$v = {{value}}\nNew-Service -Name Agent -BinaryPathName $v",
    "$v = {{value}}\nsc.exe create Agent binPath= $v",
    "$v = {{value}}\nmsiexec /i $v /qn",
    "$v = {{value}}\nwinrs -r:dc01 $v",
    "$v = {{value}}\n$p = New-Object System.Diagnostics.Process\n$p.StartInfo.FileName = $v\n$p.Start()",
    "$v = {{value}}\nInvoke-CimMethod -ClassName ('Win32_'+'Process') -MethodName Create -Arguments @{ A = $v }",
    "$v = {{value}}\nInvoke-CimMethod -ClassName Win32_Service -MethodName Create -Arguments @{ PathName = $v }",
    "$v = {{value}}\n([wmiclass]('Win32_'+'Process')).Create($v)",
    "$v = {{value}}\nSet-ItemProperty HKLM:\\Software\\Microsoft\\Windows\\CurrentVersion\\Run -Name x -Value $v",
    # A value written to a script file, then the file run.
    "$v = {{value}}\nSet-Content C:\\Temp\\x.ps1 $v\nC:\\Temp\\x.ps1",
    "$v = {{value}}\nSet-Content C:\\Temp\\x.bat $v\nStart-Process C:\\Temp\\x.bat",
    # Reflection that finds a member without naming it.
    "$v = {{value}}\n$t = [AppDomain]::CurrentDomain.GetAssemblies().GetTypes() | ? Name -like 'Script*lock'"
    "\n$m = $t.DeclaredMethods | ? Name -eq 'Create'\n$m.Invoke($null, @($v))",
    "$v = {{value}}\n$o.psobject.Methods[$v].Invoke()",
    "$v = {{value}}\n$obj?.$v()",
]
SAFE_BODIES = [
    "# Invoke-Expression is never used here\n$User = {{value}}\nGet-ADUser -Identity $User",
    "Invoke-Command -ComputerName dc01 -ScriptBlock { param($u) Unlock-ADAccount $u } -ArgumentList {{value}}",
    "& { Get-Date }\nGet-ADUser -Identity {{value}} 2>&1 | Select-Object Name",
    "Start-Process msiexec.exe -ArgumentList '/i', 'C:\\Temp\\agent.msi' -Wait\nWrite-Output {{value}}",
    "$Service = Get-Service -Name {{value}}\n$Service.Start()\nWrite-Host 'Starting the service'",
    # Literal modules, types, ProgIDs, paths and member names; prose that mentions a function.
    "Import-Module ActiveDirectory -ErrorAction Stop -Verbose:$false\nGet-ADUser -Identity {{value}}",
    "Import-Module Microsoft.Graph.Users, Microsoft.Graph.Users.Actions\nGet-MgUser -UserId {{value}}",
    "$Client = New-Object System.Net.Sockets.TcpClient\n$Client.Connect({{value}}, 443)",
    "$Fso = New-Object -ComObject Scripting.FileSystemObject\n$Fso.GetDrive({{value}})",
    "New-Item -ItemType Directory -Path {{value}} -Force | Out-Null",
    "New-Item -Path 'C:\\Temp\\notes.txt' -ItemType File -Value {{value}} -Force",
    "New-PSDrive -Name S -PSProvider FileSystem -Root {{value}}",
    "Get-Service -Name {{value}} | ForEach-Object Status\nGet-Service | % { $_.Name }",
    "$User = Get-ADUser -Identity {{value}} -Properties *\n$User.'msDS-UserPasswordExpiryTimeComputed'",
    "$Map = @{ Name = {{value}} }\n$Key = 'Name'\n$Map[$Key]\n1..$Map.Count",
    "Write-Output 'The cleanup function: removes temp files'\nWrite-Output {{value}}",
    "function Get-Mailbox2 { param($Name) Get-EXOMailbox -Identity $Name }\nGet-Mailbox2 -Name {{value}}",
    "[datetime]::FromFileTime(0)\n[math]::Round(1.5)\nWrite-Output {{value}}",
    "msiexec /i 'C:\\Temp\\agent.msi' /qn\nWrite-Output {{value}}",
    "Get-CimInstance Win32_Service -Filter \"Name='Spooler'\" | Invoke-CimMethod -MethodName StopService\n"
    "Write-Output {{value}}",
    "$User = Get-ADUser -Identity {{value}}\n$User.PSObject.Properties | ForEach-Object { $_.Name }",
    "Set-Location -Path C:\\Temp\nGet-ChildItem -Filter {{value}}",
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
