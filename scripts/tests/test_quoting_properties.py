"""Property-based tests (hypothesis) of the quoting, over every built-in template.

The judge is tests/powershell.py's reader, which knows all five quote characters; Pygments' lexer (which
knows only U+0027) confirms what it can.
"""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pygments.lexers import PowerShellLexer
from pygments.token import String

from scripts import template_engine
from scripts.library import builtin_definitions
from scripts.tests.powershell import (
    QUOTES,
    assert_substituted_exactly,
    expected_literal,
    read_single_quoted,
)

BUILTINS = builtin_definitions()
# What makes PowerShell treat text as code: quotes of every kind, $, backtick, dashes, brackets...
DANGEROUS = QUOTES + '"\u201c\u201d\u201e$`@(){}[];&|#<>-\u2013\u2014\u2015\\/%*?=+,.!~^ '
REFUSED_CATEGORIES = ("Cc", "Cf", "Zl", "Zp", "Cs")
any_char = st.characters(exclude_categories=REFUSED_CATEGORIES)
text = st.text(alphabet=st.one_of(st.sampled_from(DANGEROUS), any_char), min_size=1, max_size=80)


def accepted(parameter, value) -> bool:
    try:
        return template_engine.clean_value(parameter, value) == value
    except ValueError:
        return False


def value_strategy(parameter: template_engine.Parameter):
    """Valid values of the parameter's type, as rich in quote characters as the type allows."""
    kind = parameter.type
    if kind == "int":
        low = parameter.min if parameter.min is not None else -(10**6)
        high = parameter.max if parameter.max is not None else 10**6
        values = st.integers(low, high)
    elif kind == "bool":
        values = st.booleans()
    elif kind == "choice":
        values = st.sampled_from(parameter.choices)
    elif kind == "secret":
        values = text
    elif parameter.pattern:
        values = st.one_of(text, st.from_regex(parameter.pattern, fullmatch=True))
    elif kind == "string":
        values = text.map(str.strip)
    elif kind in ("email", "upn"):
        values = st.from_regex(template_engine.EMAIL, fullmatch=True)
    elif kind == "sam_account_name":
        values = st.text(alphabet=QUOTES + "abcXYZ019.$-_ ", min_size=1, max_size=20)
    elif kind == "hostname":
        values = st.one_of(st.from_regex(template_engine.HOSTNAME, fullmatch=True), st.ip_addresses().map(str))
    elif kind == "ip":
        values = st.ip_addresses().map(str)
    elif kind == "ou_dn":
        part = st.text(alphabet=QUOTES + "abc XYZ-_09&()", min_size=1, max_size=20).map(str.strip)
        values = st.builds(lambda ou, name: f"OU={ou},OU={name},DC=contoso,DC=com", part, part)
    elif kind == "path":
        values = st.text(alphabet=QUOTES + "abc XYZ-_09.$()[]{}\\", max_size=40).map(lambda tail: "C:\\" + tail.strip())
    else:
        raise AssertionError(f"no strategy for {kind}")
    values = values.filter(lambda v: not template_engine.is_missing(v) and accepted(parameter, v))
    if not parameter.required or parameter.default is not None:
        values = st.one_of(st.none(), values)
    return values


def expected_for(parameter, value):
    """What the script must contain for `value`, computed independently of the engine."""
    if value is None:
        value = parameter.default
    if value is None:
        return ("raw", "$null") if parameter.type != "bool" else ("raw", "$false")
    if parameter.type == "bool":
        return ("raw", "$true" if value else "$false")
    if parameter.type == "int":
        return ("raw", str(value) if value >= 0 else f"({value})")
    return ("quoted", value)


@pytest.mark.parametrize("definition", BUILTINS, ids=[d["slug"] for d in BUILTINS])
def test_every_builtin_substitutes_values_exactly_and_changes_nothing_else(definition):
    parameters = template_engine.parse_schema(definition["parameters_schema"])
    if not parameters:
        rendered = template_engine.render(definition["body"], definition["parameters_schema"], {})
        assert rendered.script == definition["body"]
        return

    @given(st.fixed_dictionaries({p.key: value_strategy(p) for p in parameters}))
    def check(values):
        rendered = template_engine.render(definition["body"], definition["parameters_schema"], values)
        expected = {p.key: expected_for(p, values[p.key]) for p in parameters}
        assert_substituted_exactly(definition["body"], rendered.script, expected)
        redacted = {
            key: (("quoted", template_engine.REDACTED) if by_key[key].is_secret else shape)
            for key, shape in expected.items()
        }
        assert_substituted_exactly(definition["body"], rendered.redacted_script, redacted)

    by_key = {p.key: p for p in parameters}
    check()


@given(st.text())
def test_any_text_is_either_refused_or_read_back_exactly(raw):
    """For any input string at all: a string parameter refuses it, or its literal reads back as it."""
    body = "Write-Output {{value}}; Remove-Nothing"
    schema = {"parameters": [{"key": "value", "type": "secret", "required": True}]}
    try:
        script = template_engine.render(body, schema, {"value": raw}).script
    except template_engine.InvalidParameters:
        assert raw.strip() == "" or len(raw) > 256 or any(unicodedata.category(c) in REFUSED_CATEGORIES for c in raw)
        return
    assert_substituted_exactly(body, script, {"value": ("quoted", raw)})


@given(st.text(alphabet=any_char))
def test_quote_reads_back_exactly_with_the_five_quote_reader(value):
    literal = template_engine.quote(value)

    assert literal == expected_literal(value)
    assert read_single_quoted(literal + " tail", 0) == (value, len(literal))


@given(
    st.text(
        alphabet=st.one_of(
            st.sampled_from("'\"$`@(){};&|#"),
            st.characters(exclude_categories=REFUSED_CATEGORIES, exclude_characters=QUOTES[1:]),
        )
    )
)
def test_pygments_agrees_the_literal_is_one_string_when_it_only_has_ascii_quotes(value):
    literal = template_engine.quote(value)
    tokens = list(PowerShellLexer().get_tokens_unprocessed(f"Write-Output {literal} -Force"))

    strings = [(index, text) for index, kind, text in tokens if kind in String.Single]
    assert strings == [(len("Write-Output "), literal)]


@given(st.sampled_from(QUOTES), st.text(alphabet=any_char, max_size=10))
def test_each_quote_character_is_doubled_by_itself(quote_char, rest):
    value = quote_char + rest + quote_char
    literal = template_engine.quote(value)

    assert literal.startswith("'" + quote_char * 2)
    assert literal.endswith(quote_char * 2 + "'")
