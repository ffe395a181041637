"""The engine, with plain values: each type's validation, quoting, rendering, redaction, the schema and
the saved-template check."""

import pytest

from scripts.template_engine import (
    REDACTED,
    InvalidParameters,
    InvalidSchema,
    InvalidTemplate,
    Parameter,
    check_template,
    clean_value,
    literal,
    parse_schema,
    quote,
    render,
    render_preview,
    validate_parameters,
)


def param(kind, **options):
    return Parameter(key="value", label="Value", type=kind, **options)


def refused(kind, raw, **options):
    with pytest.raises(ValueError) as error:
        clean_value(param(kind, **options), raw)
    return str(error.value)


# ── Each type ───────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("raw", ["Finance Share", "O'Brien", "a$b`c", "  padded  "])
def test_a_string_is_any_single_line_text_trimmed(raw):
    assert clean_value(param("string"), raw) == raw.strip()


@pytest.mark.parametrize(
    "raw", ["two\nlines", "carriage\rreturn", "nul\x00byte", "tab\there", "line\u2028sep", "next\x85line"]
)
def test_a_string_refuses_line_breaks_and_control_characters(raw):
    assert "control" in refused("string", raw)


@pytest.mark.parametrize("raw", ["abc\u202edcba", "zero\u200bwidth", "\ufeffbom"])
def test_a_string_refuses_invisible_bidi_and_zero_width_characters(raw):
    assert "invisible" in refused("string", raw)


def test_a_string_is_limited_in_length_and_may_follow_a_pattern():
    assert "At most" in refused("string", "x" * 1025)
    assert clean_value(param("string", pattern="[A-Z]{2}"), "GB") == "GB"
    assert (
        refused("string", "GBR", pattern="[A-Z]{2}", help="Two letters.") == "Not in the expected format. Two letters."
    )


@pytest.mark.parametrize(("raw", "value"), [("42", 42), (" 7 ", 7), (0, 0), ("-3", -3), (65535, 65535)])
def test_an_int_is_digits(raw, value):
    assert clean_value(param("int"), raw) == value


@pytest.mark.parametrize("raw", ["4.5", "0x10", "1e3", "12abc", "", "٣", True, 3.0, "1; rm"])
def test_an_int_refuses_anything_but_whole_numbers(raw):
    assert refused("int", raw) == "Must be a whole number."


def test_an_int_has_bounds():
    assert refused("int", "0", min=1) == "Must be at least 1."
    assert refused("int", 70000, max=65535) == "Must be at most 65535."


@pytest.mark.parametrize(
    ("raw", "value"), [(True, True), ("on", True), ("Yes", True), ("1", True), (0, False), ("false", False)]
)
def test_a_bool_is_true_or_false(raw, value):
    assert clean_value(param("bool"), raw) is value


@pytest.mark.parametrize("raw", ["maybe", 2, "$true", None])
def test_a_bool_refuses_anything_else(raw):
    assert refused("bool", raw) == "Must be true or false."


def test_a_choice_is_one_of_its_choices_in_their_spelling():
    choice = param("choice", choices=("FullAccess", "SendAs"))
    assert clean_value(choice, "sendas") == "SendAs"
    assert refused("choice", "Owner", choices=("FullAccess", "SendAs")) == "Must be one of: FullAccess, SendAs."


@pytest.mark.parametrize("raw", ["jsmith@contoso.com", "o'brien@contoso.co.uk", "first.last+tag@sub.contoso.com"])
def test_an_email_is_an_address_with_a_domain(raw):
    assert clean_value(param("email"), raw) == raw


@pytest.mark.parametrize(
    "raw", ["jsmith", "jsmith@", "@contoso.com", "j smith@contoso.com", "jsmith@contoso", "a..b@c.com", "x@-c.com"]
)
def test_an_email_refuses_what_is_not_one(raw):
    assert "e-mail address" in refused("email", raw)


def test_a_upn_may_have_a_single_label_suffix():
    assert clean_value(param("upn"), "jsmith@CONTOSO") == "jsmith@CONTOSO"
    assert "user principal name" in refused("upn", "CONTOSO\\jsmith")


@pytest.mark.parametrize("raw", ["jsmith", "j.smith", "o'brien", "PC-042$", "svc_backup", "twenty-chars-exactly"])
def test_a_sam_account_name_is_a_short_logon_name(raw):
    assert clean_value(param("sam_account_name"), raw) == raw


@pytest.mark.parametrize(
    "raw", ["jsmith@contoso.com", "CONTOSO\\jsmith", "a/b", "a[1]", "name;", "x" * 21, "ends.", "a*", "..."]
)
def test_a_sam_account_name_refuses_forbidden_characters_and_length(raw):
    assert "sAMAccountName" in refused("sam_account_name", raw)


@pytest.mark.parametrize(
    ("raw", "value"),
    [("fs01", "fs01"), ("FS01.contoso.local", "FS01.contoso.local"), ("10.0.0.5", "10.0.0.5"), ("::1", "::1")],
)
def test_a_hostname_is_a_dns_or_netbios_name_or_an_ip(raw, value):
    assert clean_value(param("hostname"), raw) == value


@pytest.mark.parametrize("raw", ["fs_01", "-fs01", "fs01-", "a..b", "host name", "999.1.1.1", "fs01;calc", "x" * 64])
def test_a_hostname_refuses_anything_else(raw):
    assert "host name" in refused("hostname", raw)


def test_an_ip_is_normalised():
    assert clean_value(param("ip"), "2001:DB8:0:0::1") == "2001:db8::1"
    assert "IPv4" in refused("ip", "10.0.0")
    assert "IPv4" in refused("ip", "fs01")


@pytest.mark.parametrize(
    "raw",
    [
        "OU=Staff,DC=contoso,DC=com",
        "CN=Users,DC=contoso,DC=local",
        "OU=Sales\\, EMEA,OU=Staff,DC=c,DC=com",
        "OU=O'Brien's team,DC=c,DC=com",
    ],
)
def test_an_ou_dn_is_a_distinguished_name_ending_in_dc(raw):
    assert clean_value(param("ou_dn"), raw) == raw


@pytest.mark.parametrize(
    "raw", ["Staff", "OU=Staff", "OU=Staff,DC=", "OU=Sales, EMEA;DC=c", "O=Org,DC=c", 'OU="x",DC=c']
)
def test_an_ou_dn_refuses_what_is_not_one(raw):
    assert "distinguished name" in refused("ou_dn", raw)


@pytest.mark.parametrize("raw", ["C:\\Temp", "D:/Logs/app", "\\\\fs01\\share\\O'Brien", "C:\\Program Files (x86)\\App"])
def test_a_path_is_a_full_windows_path(raw):
    assert clean_value(param("path"), raw) == raw


@pytest.mark.parametrize("raw", ["Temp", "..\\x", "C:\\a*b", "C:\\a?b", 'C:\\"x', "C:\\a|b", "C:\\a:b", "\\\\server"])
def test_a_path_refuses_relative_paths_and_wildcards(raw):
    assert "Windows path" in refused("path", raw)


def test_a_secret_is_kept_as_typed_without_trimming():
    assert clean_value(param("secret"), " pa'ss ") == " pa'ss "
    assert "control" in refused("secret", "pa\nss")


# ── Validating a set of values ──────────────────────────────────────────────────────────────────────


def test_every_invalid_parameter_gets_its_own_message():
    parameters = parse_schema(
        {
            "parameters": [
                {"key": "user", "type": "upn", "required": True},
                {"key": "port", "type": "int", "required": True},
                {"key": "note", "type": "string"},
            ]
        }
    )

    with pytest.raises(InvalidParameters) as error:
        validate_parameters(parameters, {"port": "http"})

    assert error.value.errors == {"user": "This parameter is required.", "port": "Must be a whole number."}
    assert error.value.api_status == 400
    assert error.value.api_body()["parameters"] == {
        "user": ["This parameter is required."],
        "port": ["Must be a whole number."],
    }


def test_missing_values_take_their_default_and_optional_ones_are_null():
    parameters = parse_schema(
        {
            "parameters": [
                {"key": "hours", "type": "int", "default": 24},
                {"key": "force", "type": "bool"},
                {"key": "ou", "type": "ou_dn"},
            ]
        }
    )
    assert validate_parameters(parameters, {"hours": "", "extra": "ignored"}) == {
        "hours": 24,
        "force": False,
        "ou": None,
    }


# ── Quoting and rendering ───────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("jsmith", "'jsmith'"),
        ("O'Brien", "'O''Brien'"),
        ("O\u2019Brien", "'O\u2019\u2019Brien'"),
        ("\u2018\u201a\u201b", "'\u2018\u2018\u201a\u201a\u201b\u201b'"),
        ('$(calc)`"', "'$(calc)`\"'"),
        ("", "''"),
    ],
)
def test_quote_doubles_every_single_quote_character(text, quoted):
    assert quote(text) == quoted


def test_literals_are_digits_booleans_null_or_quoted():
    assert literal(param("int"), 443) == "443"
    assert literal(param("int"), -5) == "(-5)"
    assert literal(param("bool"), True) == "$true"
    assert literal(param("bool"), False) == "$false"
    assert literal(param("ou_dn"), None) == "$null"
    assert literal(param("string"), "it's") == "'it''s'"


SCHEMA = {
    "parameters": [
        {"key": "user", "type": "sam_account_name", "required": True},
        {"key": "password", "type": "secret", "required": True},
        {"key": "unlock", "type": "bool", "default": True},
    ]
}
BODY = (
    "$User = {{user}}\n"
    "$Password = ConvertTo-SecureString -String {{password}} -AsPlainText -Force\n"
    "$Unlock = {{unlock}}\n"
)


def test_render_substitutes_and_redacts_secrets_in_the_stored_copy():
    rendered = render(BODY, SCHEMA, {"user": "jsmith", "password": "S3cret'!"})

    assert rendered.script == (
        "$User = 'jsmith'\n"
        "$Password = ConvertTo-SecureString -String 'S3cret''!' -AsPlainText -Force\n"
        "$Unlock = $true\n"
    )
    assert "S3cret" not in rendered.redacted_script
    assert "-String '<redacted>' -AsPlainText" in rendered.redacted_script
    assert rendered.stored_parameters == {"user": "jsmith", "password": REDACTED, "unlock": True}


def test_a_value_is_never_scanned_for_placeholders():
    rendered = render(BODY, SCHEMA, {"user": "jsmith", "password": "{{user}}"})

    assert "-String '{{user}}'" in rendered.script


def test_render_refuses_invalid_values_with_per_field_errors():
    with pytest.raises(InvalidParameters) as error:
        render(BODY, SCHEMA, {"user": "a@b", "password": ""})

    assert set(error.value.errors) == {"user", "password"}


def test_render_refuses_a_body_that_fails_the_check():
    with pytest.raises(InvalidTemplate):
        render('Write-Host "{{user}}"', {"parameters": [{"key": "user", "type": "string"}]}, {"user": "x"})


def test_the_preview_leaves_missing_values_as_placeholders_and_never_shows_a_secret():
    preview = render_preview(BODY, SCHEMA, {"password": "hunter2", "user": "bad@value"})

    assert "{{user}}" in preview.script
    assert "hunter2" not in preview.script and "'<redacted>'" in preview.script
    assert set(preview.errors) == {"user"} and preview.missing == []
    assert render_preview(BODY, SCHEMA, {}).missing == ["user", "password"]


# ── The schema ──────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("schema", "problem"),
    [
        ({"parameters": [{"key": "User", "type": "string"}]}, "lower_snake_case"),
        ({"parameters": [{"key": "a", "type": "text"}]}, "type must be one of"),
        ({"parameters": [{"key": "a", "type": "string"}, {"key": "a", "type": "int"}]}, "used twice"),
        ({"parameters": [{"key": "a", "type": "choice"}]}, "list of distinct"),
        ({"parameters": [{"key": "a", "type": "string", "pattern": "("}]}, "not a valid regular expression"),
        ({"parameters": [{"key": "a", "type": "int", "default": "x"}]}, "the default is invalid"),
        ({"parameters": [{"key": "a", "type": "secret", "default": "hunter2"}]}, "cannot have a default"),
        ({"parameters": [{"key": "a", "type": "string", "colour": "red"}]}, "unknown field"),
        ({"params": []}, "Unknown schema field"),
        ([], "The schema is an object"),
    ],
)
def test_a_broken_schema_is_refused_with_the_problem(schema, problem):
    with pytest.raises(InvalidSchema) as error:
        parse_schema(schema)

    assert problem in " ".join(error.value.problems)


# ── The saved-template check ────────────────────────────────────────────────────────────────────────

ONE = {"parameters": [{"key": "name", "type": "string"}]}


def problems(body, schema=ONE):
    with pytest.raises(InvalidTemplate) as error:
        check_template(body, schema)
    return " ".join(error.value.problems)


@pytest.mark.parametrize(
    "body",
    [
        "Get-ADUser -Identity {{name}}",
        "$Name = {{name}}",
        "Set-Thing -Enabled:{{name}}",
        "$Splat = @{ Identity = {{name}}; Force = $true }",
        "Get-Thing ({{name}})",
        "Get-Thing -Names @({{name}}, 'other')",
        "–Identity {{name}}",
    ],
)
def test_a_placeholder_standing_as_a_whole_argument_is_accepted(body):
    check_template(body, ONE)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ('Write-Host "Hello {{name}}"', "inside a double-quoted string"),
        ('Write-Host "$(Get-Thing {{name}})"', "inside a double-quoted string"),
        ("Write-Host \u201cHello {{name}}\u201d", "inside a double-quoted string"),
        ("Write-Host 'Hello {{name}}'", "single-quoted string or glued"),
        ("Write-Host \u2018Hello {{name}}\u2019", "single-quoted string or glued"),
        ('$Text = @"\nHello {{name}}\n"@', "inside a here-string"),
        ("$Text = @'\nHello {{name}}\n'@", "inside a here-string"),
        ("# Reset {{name}}\nGet-Thing", "inside a comment"),
        ("<# {{name}} #>\nGet-Thing", "inside a comment"),
        ("Get-Thing -Name x{{name}}", "must be a whole argument"),
        ("Get-Thing -Name {{name}}x", "must be a whole argument"),
        ("Get-Thing -Name {{name}}.Trim()", "must be a whole argument"),
        ("Get-Thing -Name `{{name}}", "glued"),
        ("& {{name}}", "would be run as code"),
        (". {{name}}", "would be run as code"),
        ("Invoke-Expression {{name}}", "would be run as code"),
        ("iex ({{name}})", "would be run as code"),
        ("powershell.exe -Command {{name}}", "would be run as code"),
        ("cmd.exe /c {{name}}", "would be run as code"),
        ("[ScriptBlock]::Create({{name}})", "would be run as code"),
        ("Write-Host 'unclosed {{name}}", "would not parse"),
    ],
)
def test_a_placeholder_a_quoted_literal_would_not_protect_is_refused(body, problem):
    assert problem in problems(body)


def test_a_placeholder_the_schema_lacks_is_refused_with_its_line():
    assert "Line 2: {{user}} is not in the parameters." in problems("$Name = {{name}}\n$User = {{user}}")


def test_a_parameter_the_body_never_uses_is_refused():
    schema = {"parameters": [{"key": "name", "type": "string"}, {"key": "unused", "type": "string"}]}
    assert "Parameter unused is not used in the body." in problems("$Name = {{name}}", schema)


@pytest.mark.parametrize("typo", ["{{ name }}", "{{Name-1}}", "{{}}"])
def test_a_malformed_placeholder_is_refused(typo):
    assert "is not a placeholder" in problems(f"$Name = {{{{name}}}}\n$X = {typo}")


def test_carriage_returns_and_invisible_characters_in_the_body_are_refused():
    assert "line endings" in problems("$Name = {{name}}\r\n")
    assert "invisible" in problems("$Name = {{name}} # \u202e")
