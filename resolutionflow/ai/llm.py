"""The LLM interface every feature uses: `get_llm().generate_json(purpose, system, messages, schema)`.

A provider returns a dict that has been validated against `schema` (JSON Schema), or raises a typed
error from `resolutionflow.ai.errors`. Every call, successful or not, is logged as an `LLMCall` row.
"""

import logging
import time
from dataclasses import dataclass

import jsonschema
from django.conf import settings

from resolutionflow.ai.errors import (
    LLMError,
    LLMInvalidOutput,
    LLMRateLimited,
    LLMTimeout,
    LLMUnavailable,
)

logger = logging.getLogger(__name__)


@dataclass
class RawAnswer:
    """What a provider's transport returns before validation."""

    data: object
    input_tokens: int = 0
    output_tokens: int = 0


class LLMProvider:
    name = "base"
    model = ""

    @property
    def is_available(self) -> bool:
        return True

    def generate_json(
        self,
        purpose: str,
        system: str,
        messages: list[dict],
        schema: dict,
        *,
        account=None,
        max_tokens: int | None = None,
    ) -> dict:
        """Ask for one JSON object matching `schema`; validate it; log the call.

        `messages` are `{"role": "user"|"assistant", "content": str}` dicts. Raises `LLMError` subclasses.
        """
        from resolutionflow.models import LLMCall, LLMOutcome

        started = time.monotonic()
        answer = None
        outcome, error = LLMOutcome.ERROR, ""
        try:
            answer = self._complete(system, messages, schema, max_tokens or settings.LLM_MAX_TOKENS)
            if not isinstance(answer.data, dict):
                raise LLMInvalidOutput("The answer is not a JSON object.")
            try:
                jsonschema.validate(answer.data, schema)
            except jsonschema.ValidationError as exc:
                path = "/".join(str(p) for p in exc.absolute_path) or "(root)"
                raise LLMInvalidOutput(f"The answer does not match the schema at {path}: {exc.message}") from exc
            outcome = LLMOutcome.OK
            return answer.data
        except LLMError as exc:
            outcome = _outcome_of(exc)
            error = str(exc)[:2000]
            # A provider that got an answer it cannot use (truncated, no tool call) attaches the tokens it spent.
            answer = answer or getattr(exc, "answer", None)
            raise
        except Exception as exc:  # a bug or an unmapped client error: log it as an error, never as "ok"
            error = f"{type(exc).__name__}: {exc}"[:2000]
            raise
        finally:
            LLMCall.objects.create(
                account=account,
                purpose=purpose[:64],
                provider=self.name,
                model=self.model,
                input_tokens=answer.input_tokens if answer else 0,
                output_tokens=answer.output_tokens if answer else 0,
                latency_ms=int((time.monotonic() - started) * 1000),
                outcome=outcome,
                error=error,
            )

    def _complete(self, system: str, messages: list[dict], schema: dict, max_tokens: int) -> RawAnswer:
        raise NotImplementedError


def _outcome_of(exc: LLMError) -> str:
    from resolutionflow.models import LLMOutcome

    if isinstance(exc, LLMInvalidOutput):
        return LLMOutcome.INVALID_OUTPUT
    if isinstance(exc, LLMRateLimited):
        return LLMOutcome.RATE_LIMITED
    if isinstance(exc, LLMTimeout):
        return LLMOutcome.TIMEOUT
    return LLMOutcome.ERROR


class NullProvider(LLMProvider):
    """No LLM configured: every call raises `LLMUnavailable`, and nothing is logged (nothing was spent)."""

    name = "none"

    @property
    def is_available(self) -> bool:
        return False

    def generate_json(self, purpose, system, messages, schema, *, account=None, max_tokens=None) -> dict:
        raise LLMUnavailable("No LLM provider is configured.")


_provider: LLMProvider | None = None


def get_llm() -> LLMProvider:
    """The configured provider: LLM_PROVIDER=anthropic, none, or auto (Anthropic when a key is set)."""
    global _provider
    if _provider is None:
        _provider = build_provider(settings.LLM_PROVIDER, settings.ANTHROPIC_API_KEY)
    return _provider


def build_provider(choice: str, api_key: str) -> LLMProvider:
    if choice == "none" or (choice == "auto" and not api_key):
        return NullProvider()
    if choice not in ("auto", "anthropic"):
        raise ValueError(f"LLM_PROVIDER must be auto, anthropic or none, not {choice!r}.")
    if not api_key:
        raise ValueError("LLM_PROVIDER=anthropic needs ANTHROPIC_API_KEY.")
    from resolutionflow.ai.anthropic_provider import AnthropicProvider

    return AnthropicProvider(api_key=api_key, model=settings.ANTHROPIC_MODEL)


def reset_provider() -> None:
    """Forget the cached provider (tests, or after settings change)."""
    global _provider
    _provider = None
