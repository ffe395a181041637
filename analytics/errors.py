"""Domain errors of the analytics app; each declares its HTTP answer (see resolutionflow.api.errors)."""


class InvalidPeriod(ValueError):
    """A dashboard period that is not one of `choices` (7d, 30d, 90d)."""

    api_status = 400

    def __init__(self, period, *, choices: list[str]):
        super().__init__(period)
        self.choices = choices

    def api_body(self):
        return {"period": [f"Choose one of {', '.join(self.choices)}."]}


class GapNotFound(Exception):
    """No gap with this id in the account's report (the report may have been refreshed since)."""

    api_status = 404

    def api_body(self):
        return {"detail": "Not found."}


class GapHasNoStructure(Exception):
    """A kind of gap the editor has no suggested structure for (escalations: read the hand-offs instead)."""

    api_status = 400

    def __init__(self):
        super().__init__("This kind of gap has no suggested structure.")

    def api_body(self):
        return {"gap_id": [str(self)]}
