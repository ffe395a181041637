"""Domain errors of the scripts app. Each declares its API answer (resolutionflow.api.errors maps it)."""

__all__ = ["InvalidParameters", "InvalidSchema", "InvalidTemplate", "NotUsable"]


class NotUsable(Exception):
    """The template (or AI session) does not exist for this user: another account's, another team's, or
    inactive. Indistinguishable from a missing one (404)."""

    api_status = 404

    def api_body(self) -> dict:
        return {"detail": "Not found."}


class InvalidParameters(Exception):
    """Some values are invalid: `errors` maps each parameter key to one message for the engineer."""

    api_status = 400

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))
        self.errors = errors

    def api_body(self) -> dict:
        return {
            "detail": "Some parameters are invalid.",
            "parameters": {key: [message] for key, message in self.errors.items()},
        }


class InvalidSchema(Exception):
    """The parameters schema itself is wrong (a template author's error), with every problem found."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


class InvalidTemplate(Exception):
    """The body is unsafe or inconsistent with its schema, with every problem found (line numbers)."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems
