"""The FlowNodeDay rollup: answered flow questions and their free-text escapes per node and day."""

from django.db import connection

from resolutionflow.locks import hold_until_commit

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


# ── The dashboard's day rollups ─────────────────────────────────────────────────────────────────────

SESSION_DAYS = """
INSERT INTO flowpilot_sessionday (account_id, day, problem_domain, confidence_tier, total, resolved, escalated,
    abandoned, closed, picked_up, pickup_seconds, steps_resolved, closed_seconds, rating_sum, rating_count, with_ticket)
SELECT s.account_id, (s.created_at AT TIME ZONE a.time_zone)::date, s.problem_domain, s.confidence_tier, count(*),
    count(*) FILTER (WHERE s.status = 'resolved'),
    count(*) FILTER (WHERE s.status = 'escalated' OR s.escalated_at IS NOT NULL),
    count(*) FILTER (WHERE s.status = 'abandoned'),
    count(*) FILTER (WHERE s.status IN ('resolved', 'escalated', 'abandoned') OR s.escalated_at IS NOT NULL),
    coalesce(sum(h.picked_up), 0), coalesce(sum(h.seconds), 0),
    coalesce(sum(s.answered_step_count) FILTER (WHERE s.status = 'resolved'), 0),
    coalesce(sum(extract(epoch FROM coalesce(s.resolved_at, s.abandoned_at, s.escalated_at) - s.created_at))
        FILTER (WHERE s.status IN ('resolved', 'escalated', 'abandoned') OR s.escalated_at IS NOT NULL), 0),
    coalesce(sum(s.rating), 0), count(s.rating),
    count(*) FILTER (WHERE coalesce(s.intake_content->>'ticket_id', '') <> '')
FROM flowpilot_aisession s JOIN resolutionflow_account a ON a.id = s.account_id
LEFT JOIN LATERAL (
    SELECT count(*) AS picked_up, sum(extract(epoch FROM p.picked_up_at - p.escalated_at)) AS seconds
    FROM flowpilot_sessionhandoff p WHERE p.session_id = s.id AND p.picked_up_at IS NOT NULL
) h ON TRUE
WHERE {where}
GROUP BY 1, 2, 3, 4
"""
RESOLUTION_DAYS = """
INSERT INTO flowpilot_resolutionday (account_id, day, resolved, resolution_seconds)
SELECT s.account_id, (s.resolved_at AT TIME ZONE a.time_zone)::date, count(*),
    sum(extract(epoch FROM s.resolved_at - s.created_at))
FROM flowpilot_aisession s JOIN resolutionflow_account a ON a.id = s.account_id
WHERE s.resolved_at IS NOT NULL AND {where}
GROUP BY 1, 2
"""


def refresh_session_day(session) -> None:
    """Recompute the rollup rows of the days this session counts on (its creation and resolution days)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT time_zone FROM resolutionflow_account WHERE id = %s", [session.account_id])
        zone = cursor.fetchone()[0]
        days = [("created", session.created_at)] + ([("resolved", session.resolved_at)] if session.resolved_at else [])
        for kind, moment in days:
            cursor.execute("SELECT (%s::timestamptz AT TIME ZONE %s)::date", [moment, zone])
            day = cursor.fetchone()[0]
            # Serialise recomputes of one account-day: two closes at once must not both insert.
            hold_until_commit(f"rollup:{session.account_id}:{kind}:{day}")
            if kind == "created":
                cursor.execute(
                    "DELETE FROM flowpilot_sessionday WHERE account_id = %s AND day = %s", [session.account_id, day]
                )
                cursor.execute(
                    SESSION_DAYS.format(
                        where="s.account_id = %s AND (s.created_at AT TIME ZONE a.time_zone)::date = %s"
                    ),
                    [session.account_id, day],
                )
            else:
                cursor.execute(
                    "DELETE FROM flowpilot_resolutionday WHERE account_id = %s AND day = %s", [session.account_id, day]
                )
                cursor.execute(
                    RESOLUTION_DAYS.format(
                        where="s.account_id = %s AND (s.resolved_at AT TIME ZONE a.time_zone)::date = %s"
                    ),
                    [session.account_id, day],
                )


def rebuild_session_days(account_id=None) -> None:
    """Recompute every day rollup (of one account): after bulk loads, backdating or a time zone change."""
    where, params = ("s.account_id = %s", [account_id]) if account_id else ("TRUE", [])
    with connection.cursor() as cursor:
        if account_id:
            cursor.execute("DELETE FROM flowpilot_sessionday WHERE account_id = %s", [account_id])
            cursor.execute("DELETE FROM flowpilot_resolutionday WHERE account_id = %s", [account_id])
        else:
            cursor.execute("DELETE FROM flowpilot_sessionday")
            cursor.execute("DELETE FROM flowpilot_resolutionday")
        cursor.execute(SESSION_DAYS.format(where=where), params)
        cursor.execute(RESOLUTION_DAYS.format(where=where), params)
