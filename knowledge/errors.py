"""Domain errors of the knowledge app, mapped to HTTP in one place (views' helper and the API handler)."""

from knowledge.envelope import InvalidEnvelope
from knowledge.tree_format import InvalidTree

__all__ = ["InvalidEnvelope", "InvalidTree", "StaleTarget", "DraftAlreadyPublished"]


class StaleTarget(Exception):
    """The flow changed since this edit started: `expected` version was the base, `actual` is current."""

    def __init__(self, expected: int, actual: int):
        super().__init__(f"The flow is at version {actual}; this change was made against version {expected}.")
        self.expected = expected
        self.actual = actual


class DraftAlreadyPublished(Exception):
    pass
