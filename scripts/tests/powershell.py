"""A small reader of PowerShell single-quoted literals, for the tests: the independent judge of quoting.

It follows PowerShell's tokenizer (ScanStringLiteral): any of the five single-quote characters
(' ‘ ’ ‚ ‛) opens and closes a literal, and two in a row stand for the second one. Pygments' lexer
knows only U+0027, so it cannot be the only judge.
"""

QUOTES = "'\u2018\u2019\u201a\u201b"


def read_single_quoted(script: str, start: int) -> tuple[str, int]:
    """The value of the literal opening at `start`, and the offset just after its closing quote."""
    if script[start] not in QUOTES:
        raise ValueError(f"no single-quoted literal at {start}: {script[start : start + 20]!r}")
    value = []
    i = start + 1
    while i < len(script):
        char = script[i]
        if char in QUOTES:
            if i + 1 < len(script) and script[i + 1] in QUOTES:
                value.append(script[i + 1])
                i += 2
                continue
            return "".join(value), i + 1
        value.append(char)
        i += 1
    raise ValueError("unterminated literal")


def expected_literal(value: str) -> str:
    """' + the value with all five single-quote characters doubled + '."""
    return "'" + "".join(char * 2 if char in QUOTES else char for char in value) + "'"


def assert_substituted_exactly(body: str, script: str, expected: dict) -> None:
    """`script` is `body` with each {{key}} replaced, and nothing else changed.

    `expected[key]` is ("quoted", value): a single-quoted literal that reads back as exactly `value`
    (and is spelled exactly `expected_literal(value)`); or ("raw", text): that text verbatim.
    """
    from scripts.template_engine import PLACEHOLDER

    at_body = at_script = 0
    for match in PLACEHOLDER.finditer(body):
        segment = body[at_body : match.start()]
        assert script.startswith(segment, at_script), f"text before {match.group()} changed"
        at_script += len(segment)
        kind, value = expected[match.group(1)]
        if kind == "quoted":
            read, end = read_single_quoted(script, at_script)
            assert read == value, f"{match.group()} reads back as {read!r}, not {value!r}"
            assert script[at_script:end] == expected_literal(value)
            at_script = end
        else:
            assert script.startswith(value, at_script), f"{match.group()} is not {value!r}"
            at_script += len(value)
        at_body = match.end()
    assert script[at_script:] == body[at_body:], "text after the last placeholder changed"
