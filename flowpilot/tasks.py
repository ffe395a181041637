"""django-q2 entry points. The schedule (every 5 minutes) was created by migration knowledge 0005 and
pointed here by flowpilot 0011, when the analysis queue moved to flowpilot.

A worker waits for its running task before it stops (SIGTERM), so one run is bounded: it stops after
FLYWHEEL_TASK_MAX_SECONDS or FLYWHEEL_TASK_MAX_SESSIONS, hands its unstarted claims back, and queues the
next run itself while sessions are still due, so a backlog drains at full speed between schedule ticks.
"""

from django.conf import settings
from django_q.tasks import async_task

from flowpilot.analysis_queue import StopOnSigterm, analyze_pending, has_due_sessions

TASK = "flowpilot.tasks.analyze_pending_sessions"


def analyze_pending_sessions() -> dict:
    with StopOnSigterm() as stop:
        results = analyze_pending(
            settings.FLYWHEEL_TASK_MAX_SESSIONS, max_seconds=settings.FLYWHEEL_TASK_MAX_SECONDS, stop=stop
        )
        if results and not stop() and has_due_sessions():
            async_task(TASK, task_name="Knowledge Flywheel: continue the backlog")
    return dict(results)
