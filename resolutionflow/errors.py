"""Domain errors of the core (resolutionflow); the apps keep theirs in their own errors.py, the AI providers
in resolutionflow/ai/errors.py."""


class InvalidJSON(ValueError):
    """The text is not JSON the product accepts; the message says why."""
