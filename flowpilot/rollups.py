"""The FlowNodeDay rollup: answered flow questions and their free-text escapes per node and day."""

from django.db import connection

UPSERT = """
INSERT INTO flowpilot_flownodeday (flow_id, node_id, day, shown, escapes) VALUES (%s, %s, %s, 1, %s)
ON CONFLICT (flow_id, node_id, day) DO UPDATE
SET shown = flowpilot_flownodeday.shown + 1, escapes = flowpilot_flownodeday.escapes + EXCLUDED.escapes
"""

REBUILD = """
INSERT INTO flowpilot_flownodeday (flow_id, node_id, day, shown, escapes)
SELECT s.flow_id, s.flow_node_id, (s.created_at AT TIME ZONE 'UTC')::date, count(*),
       count(*) FILTER (WHERE s.was_free_text)
FROM flowpilot_aisessionstep s
WHERE s.step_type = 'question' AND s.flow_id IS NOT NULL AND s.flow_node_id <> '' AND s.answered_at IS NOT NULL
GROUP BY 1, 2, 3
"""


def record_answer(step) -> None:
    """Count one answered question of a flow (called by the engine as it records the answer)."""
    if step.step_type != "question" or step.flow_id is None or not step.flow_node_id:
        return
    with connection.cursor() as cursor:
        cursor.execute(UPSERT, [step.flow_id, step.flow_node_id, step.created_at.date(), int(step.was_free_text)])


def rebuild() -> None:
    """Recompute the whole rollup from the steps (after bulk loads, or demo data moved back in time)."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM flowpilot_flownodeday")
        cursor.execute(REBUILD)
