"""What answering a step costs the database: a fixed, small number of queries that read no vectors.

`bench/session_steps.py` measures the time (p95 ≤ 20 ms with 100,000 sessions); these ceilings keep the
work per answer from creeping back. The counts include the transaction's BEGIN/COMMIT and the answer
throttle's one counting statement, as in production.
"""

import pytest

from flowpilot import engine
from flowpilot.tests.factories import LOCKOUT_INTAKE, lockout_flow

GUIDED_ANSWER_QUERIES = 13
CAPTURE_ANSWER_QUERIES = 12


@pytest.fixture
def flow(northwind):
    return lockout_flow(northwind)


def answer(client, session, body):
    response = client.post(f"/api/v1/ai-sessions/{session.pk}/steps", body, format="json")
    assert response.status_code == 200, response.content
    return response.json()["current_step"]


def vectors_read(queries) -> list[str]:
    """The queries that read or write a vector column (a session's intake vector, a flow's vector)."""
    return [q["sql"] for q in queries if '"intake_embedding"' in q["sql"] or '"knowledge_tree"."embedding"' in q["sql"]]


def test_a_guided_answer_takes_a_fixed_number_of_queries_and_reads_no_vector(
    api_as, northwind_engineer, flow, django_assert_max_num_queries
):
    client = api_as(northwind_engineer)
    session = engine.start_session(northwind_engineer, LOCKOUT_INTAKE)
    assert session.mode == "guided"

    with django_assert_max_num_queries(GUIDED_ANSWER_QUERIES) as queries:
        step = answer(client, session, {"selected_option": "Yes, locked out"})

    assert step["step_type"] == "action"
    assert vectors_read(queries.captured_queries) == []


def test_a_capture_answer_costs_the_same_late_in_a_long_session(
    api_as, northwind_engineer, django_assert_max_num_queries
):
    client = api_as(northwind_engineer)
    session = engine.start_session(northwind_engineer, "Label printer prints garbage", prefer_capture=True)
    with django_assert_max_num_queries(CAPTURE_ANSWER_QUERIES) as first:
        answer(client, session, {"free_text": "Checked the driver", "result": "Generic driver"})
    first_count = len(first.captured_queries)  # read now: each request clears the connection's query log
    for n in range(10):
        answer(client, session, {"free_text": f"Checked thing {n}", "result": "Nothing"})

    with django_assert_max_num_queries(first_count) as late:
        step = answer(client, session, {"free_text": "Reinstalled the driver", "result": "Prints fine"})

    assert step["step_type"] == "capture"
    assert vectors_read(late.captured_queries) == []


def test_an_answer_writes_the_session_without_its_intake_vector(northwind_engineer, flow):
    session = engine.start_session(northwind_engineer, LOCKOUT_INTAKE)
    vector = list(type(session).objects.get(pk=session.pk).intake_embedding)

    engine.answer_step(session, selected_option="Yes, locked out")

    session.refresh_from_db()
    assert list(session.intake_embedding) == vector
    assert session.answered_step_count == 1
