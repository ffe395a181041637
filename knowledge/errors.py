"""Domain errors of the knowledge app, mapped to HTTP in one place (views' helper and the API handler)."""

from knowledge.envelope import InvalidEnvelope
from knowledge.tree_format import InvalidTree

__all__ = ["InvalidEnvelope", "InvalidTree", "StaleTarget", "DraftAlreadyPublished"]


class StaleTarget(Exception):
    """The flow changed since this edit started: `expected` version was the base, `actual` is current."""

    api_status = 409

    def __init__(self, expected: int, actual: int):
        super().__init__(
            f"The flow is now at version {actual}; this change was made against version {expected}. "
            "Review the latest version, or publish anyway with force."
        )
        self.expected = expected
        self.actual = actual

    def api_body(self) -> dict:
        return {"detail": str(self), "expected_version": self.expected, "current_version": self.actual}


class DraftAlreadyPublished(Exception):
    api_status = 409

    def api_body(self) -> dict:
        return {"detail": "This draft was already published."}
