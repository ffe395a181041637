"""Domain errors of sessions; each declares its HTTP answer (see resolutionflow.api.errors)."""


class SessionClosed(Exception):
    api_status = 409

    def __init__(self, status: str):
        super().__init__(f"This session is {status}; it takes no more answers.")
        self.status = status

    def api_body(self):
        return {"detail": str(self), "status": self.status}


class InvalidAnswer(ValueError):
    """An answer the current step cannot take; `field` names it, `offered` lists the options if any."""

    api_status = 400

    def __init__(self, field: str, message: str, offered: list[str] | None = None):
        super().__init__(message)
        self.field = field
        self.message = message
        self.offered = offered

    def api_body(self):
        body = {self.field: [self.message]}
        if self.offered is not None:
            body["offered_options"] = self.offered
        return body


class InvalidIntake(InvalidAnswer):
    pass


class NotThrowaway(Exception):
    """Synthetic scale data is only loaded into a database meant to be thrown away (flowpilot.scale_data)."""


class PsaUnavailable(Exception):
    """The PSA cannot be used on this installation: PSA_ENCRYPTION_KEYS is unset (or not Fernet keys)."""

    api_status = 503

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def api_body(self):
        return {"detail": self.message}


class PsaCredentialsUnreadable(Exception):
    """The stored PSA credentials were encrypted with a key that PSA_ENCRYPTION_KEYS no longer holds."""

    api_status = 409
    message = "The PSA credentials cannot be read with the current PSA_ENCRYPTION_KEYS; re-enter them."

    def __init__(self):
        super().__init__(self.message)

    def api_body(self):
        return {"detail": self.message}


class NotWaiting(Exception):
    """The session is no longer waiting to be picked up: someone picked it up first, or it was closed."""

    api_status = 409

    def __init__(self, status: str, engineer: str, *, escalated: bool = True):
        if status == "active" and not escalated:
            message = f"This session was never escalated: {engineer} is working it, there is nothing to pick up."
        elif status == "active":
            message = f"{engineer} already picked this session up."
        else:
            message = f"This session is {status}: there is nothing to pick up."
        super().__init__(message)
        self.status = status
        self.message = message

    def api_body(self):
        return {"detail": self.message, "status": self.status}


class TicketNotFound(InvalidIntake):
    """The PSA answered that no ticket has this number (400 on `ticket_id`)."""


class LinkLocked(InvalidIntake):
    """A verified ticket link with pushes on their way (or written) is not moved to another ticket."""

    api_status = 409


class PushNotDead(Exception):
    """Only a dead PSA push is retried by hand (a pending one is on its way; a succeeded one is done)."""

    api_status = 409

    def __init__(self, status: str):
        super().__init__(f"This push is {status}, not dead: nothing to retry.")
        self.status = status

    def api_body(self):
        return {"detail": str(self), "status": self.status}
