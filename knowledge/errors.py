"""Domain errors of the knowledge app, mapped to HTTP in one place (views' helper and the API handler).

Every exception the app raises for a refused or invalid request is defined here, and nowhere else. Pure:
no ORM, no requests (the tree format and the envelope cleaner import from here).
"""


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


class InvalidTree(ValueError):
    """A tree that breaks the format; `path` locates the first fault (``root.children[1]``)."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


class InvalidEnvelope(ValueError):
    """A field of the envelope is wrong. `field` names it; for the tree, `message` carries the tree path."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    api_status = 400

    def as_field_errors(self) -> dict[str, list[str]]:
        return {self.field: [self.message]}

    def api_body(self) -> dict[str, list[str]]:
        return self.as_field_errors()


class TreeEditError(ValueError):
    """An edit that cannot be applied; the message says why, in words for the editor's user."""


class UnknownNode(TreeEditError):
    def __init__(self, node_id):
        super().__init__(f"There is no node '{node_id}' in this flow (it may have been removed).")
        self.node_id = node_id


class EditRefused(TreeEditError):
    pass


class ProposalNotPending(Exception):
    api_status = 409

    def __init__(self, status: str):
        super().__init__(f"This proposal was already reviewed (it is {status}).")
        self.status = status

    def api_body(self):
        return {"detail": str(self), "status": self.status}


class UseModify(Exception):
    """Approving an enhancement as is: the reviewer must look at the change (Edit & Publish)."""

    api_status = 400

    def api_body(self):
        return {"action": ["An enhancement is published with 'modify' (Edit & Publish), not 'approve'."]}
