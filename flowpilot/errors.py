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
