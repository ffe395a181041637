"""Typed errors of the AI clients. Callers catch `LLMUnavailable` (or any `LLMError`) and take their rules path."""


class LLMError(Exception):
    """Any failure to get a usable answer from the LLM."""


class LLMUnavailable(LLMError):
    """No provider is configured, or the budget for this purpose is spent."""


class LLMTimeout(LLMError):
    pass


class LLMRateLimited(LLMError):
    pass


class LLMProviderError(LLMError):
    """The provider answered with an error (after retries), or could not be reached."""

    def __init__(self, message, status_code=None):
        super().__init__(message)
        self.status_code = status_code


class LLMInvalidOutput(LLMError):
    """The answer was not JSON, was truncated, or did not match the schema."""


class EmbeddingError(Exception):
    """The embedding provider failed (after retries) or answered with the wrong shape."""
