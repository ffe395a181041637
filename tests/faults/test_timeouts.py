"""The LLM and the PSA stop answering (real HTTP peers that accept and then hang): sessions go on without
the LLM, analyses fall back to the rules, and every push is written exactly once when retried."""

import time

import pytest
from django.utils import timezone

from bench.psa_sender import prepare as linked_sessions_with_due_pushes
from flowpilot import engine
from flowpilot.analysis_queue import analyze_pending
from flowpilot.models import AISession, AISessionStep, PsaPush
from flowpilot.psa.sender import send_due_pushes
from resolutionflow.ai import llm
from tests.faults.checks import assert_pushed_exactly_once, markers_on

pytestmark = [pytest.mark.serial, pytest.mark.django_db(transaction=True)]
PROBLEMS = [
    "Label printer in the warehouse prints garbage characters",
    "Yealink desk phone has one-way audio on external calls",
]
REPORTS = 2


@pytest.fixture
def hanging_llm(settings, hanging_server):
    """The product's real Anthropic client, pointed at a server that never answers (0.2 s timeout, no retry)."""
    settings.LLM_PROVIDER = "anthropic"
    settings.ANTHROPIC_API_KEY = "sk-ant-fault-test"
    settings.ANTHROPIC_BASE_URL = hanging_server.url
    settings.LLM_TIMEOUT_SECONDS = 0.2
    settings.LLM_MAX_RETRIES = 0
    llm.reset_provider()
    yield hanging_server
    llm.reset_provider()


def test_sessions_and_their_analysis_go_on_when_the_llm_times_out(northwind_engineer, hanging_llm):
    answered = {}
    for problem in PROBLEMS:
        for n in range(REPORTS):
            session = engine.start_session(northwind_engineer, f"{problem}, reported by user {n}")
            engine.answer_step(session, free_text="Reinstalled the driver", result="The fault stayed")
            engine.answer_step(session, free_text="Replaced the cable", result="Fixed")
            engine.resolve_session(session, resolution_summary=f"Fixed: {problem.lower()}")
            answered[session.pk] = 2

    results = analyze_pending()

    assert hanging_llm.connections >= len(answered), "the LLM was asked, and timed out"
    for pk, count in answered.items():
        steps = AISessionStep.objects.filter(session_id=pk, answered_at__isnull=False)
        assert steps.count() == count, "no answered step is lost"
    assert results.total() == len(answered)
    sessions = AISession.objects.filter(pk__in=answered)
    assert set(sessions.values_list("analysis_status", "analysis_attempts")) == {("completed", 1)}


def test_a_psa_that_times_out_gets_each_push_exactly_once(settings, fake_psa):
    settings.PSA_TIMEOUT_SECONDS = 0.5
    linked_sessions_with_due_pushes(fake_psa, 40)
    fake_psa.hang("POST", "*/notes", seconds=1.5, after_store=True, times=4)  # written, the answer late
    fake_psa.hang("POST", "*/time/entries", seconds=1.5, after_store=True, times=3)
    fake_psa.hang("POST", "*/notes", seconds=1.5, times=2)  # the request itself late, written afterwards

    first = send_due_pushes()
    assert first["succeeded"] == 40 - 9 and PsaPush.objects.filter(status="failed").count() == 9, first
    assert PsaPush.objects.filter(status="failed").first().last_error.startswith("PsaTimeout")

    time.sleep(1.5)  # the late answers have landed (a retry's backoff is at least 15 s)
    PsaPush.objects.filter(status="failed").update(next_attempt_at=timezone.now())
    send_due_pushes()

    assert_pushed_exactly_once(fake_psa, 40)
    assert sum(markers_on(fake_psa).values()) == 40
