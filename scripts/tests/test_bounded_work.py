"""Work bounded by its input in the scripts app: pre-filling from a long session, and checking a large
template body, take time linear in the text."""

import time

import pytest

from scripts import template_engine
from scripts.in_session import PREFILL_MAX_CHARS, prefill_from_text
from scripts.library import load_builtin_templates
from scripts.models import ScriptTemplate

NOTE = "Checked the mailbox of jsmith@contoso.com on server FS01, host nw-lt-042 at 10.0.0.1 port 443, user bob\n"


@pytest.fixture
def builtins(db):
    load_builtin_templates()
    return {t.slug: t for t in ScriptTemplate.objects.filter(account__isnull=True)}


def timed(call):
    """(CPU seconds of this process, result): other processes on the machine do not count."""
    started = time.process_time()
    result = call()
    return time.process_time() - started, result


def test_prefill_over_336_kb_of_notes_takes_well_under_a_second(builtins):
    texts = ["Shared mailbox sales@contoso.com is full", *[NOTE] * (336_000 // len(NOTE))]

    seconds, guessed = timed(lambda: prefill_from_text(builtins["exo-mailbox-permissions"], texts))

    assert seconds < 0.5
    assert guessed["mailbox"] == "sales@contoso.com"


@pytest.mark.parametrize("keyword", ["user", "server", "port"])
def test_a_long_run_of_spaces_after_a_keyword_is_scanned_in_linear_time(builtins, keyword):
    texts = [f"{keyword}{' ' * 20_000}!"]

    seconds, guessed = timed(lambda: prefill_from_text(builtins["test-network-port"], texts))

    assert seconds < 0.5
    assert guessed == {}


def test_beyond_the_limit_the_intake_and_the_latest_texts_are_used(builtins):
    intake = "Jane cannot sign in anywhere since this morning"
    oldest = "First thought it was old.account@northwind.com"
    filler = ["Checked the sign-in logs, nothing unusual. " * 100] * (PREFILL_MAX_CHARS // 4000 + 1)
    latest = "Her account is jane.doe@northwind.com"

    guessed = prefill_from_text(builtins["m365-revoke-sessions"], [intake, oldest, *filler, latest])

    assert guessed == {"user_principal_name": "jane.doe@northwind.com"}


def test_a_template_body_with_thousands_of_placeholders_is_checked_in_linear_time():
    schema = {"parameters": [{"key": "user", "label": "User", "type": "string", "required": True}]}
    body = "\n".join("Write-Output {{user}} {{user}} {{user}} {{user}} {{user}}" for _ in range(1_500))

    seconds, _ = timed(lambda: template_engine.check_template(body, schema))

    assert seconds < 1  # 4 s of CPU when each placeholder rescanned the body and its tokens


def test_a_large_body_still_names_the_line_of_each_problem():
    schema = {"parameters": [{"key": "user", "label": "User", "type": "string", "required": True}]}
    lines = [f"Write-Output {{{{user}}}}  # line {n}" for n in range(3_000)]
    lines[2_500] = 'Write-Output "Hello {{user}}"'
    lines[2_700] = "# Unlock {{user}}"

    with pytest.raises(template_engine.InvalidTemplate) as refused:
        template_engine.check_template("\n".join(lines), schema)

    assert refused.value.problems == [
        "Line 2501: {{user}} is inside a double-quoted string, where a quoted value would not protect it.",
        "Line 2701: {{user}} is inside a comment.",
    ]
