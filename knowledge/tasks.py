"""django-q2 entry points. The schedule (every 5 minutes) is created by migration knowledge 0005."""

from knowledge.flywheel.runner import analyze_pending


def analyze_pending_sessions() -> dict:
    return dict(analyze_pending())
