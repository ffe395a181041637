"""django-q2 entry point of the PSA sender. The schedule (every minute) is created by flowpilot 0016.

One run is bounded (PSA_SENDER_TASK_MAX_SECONDS, PSA_SENDER_TASK_MAX_PUSHES) and stops after the push in
hand on SIGTERM, handing its other claims back; while pushes are still due it queues the next run itself,
so a backlog drains between schedule ticks.
"""

from django.conf import settings
from django_q.tasks import async_task

from flowpilot.analysis_queue import StopOnSigterm
from flowpilot.psa.sender import has_due_pushes, send_due_pushes

TASK = "flowpilot.psa.tasks.send_psa_pushes"


def send_psa_pushes() -> dict:
    with StopOnSigterm() as stop:
        results = send_due_pushes(
            settings.PSA_SENDER_TASK_MAX_PUSHES, max_seconds=settings.PSA_SENDER_TASK_MAX_SECONDS, stop=stop
        )
        if results and not stop() and has_due_pushes():
            async_task(TASK, task_name="PSA: continue sending due pushes")
    return dict(results)
