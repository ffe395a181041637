"""django-q2 entry points of the platform. The housekeeping schedule (daily) is created by resolutionflow 0006."""

from resolutionflow.housekeeping import tidy

HOUSEKEEPING = "resolutionflow.tasks.housekeeping"


def housekeeping() -> dict[str, int]:
    return tidy()
