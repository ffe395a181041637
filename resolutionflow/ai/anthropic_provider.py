"""Anthropic (Claude) behind `LLMProvider`: one JSON object per call, through a forced tool call.

The request carries one tool, `respond`, whose `input_schema` is the caller's schema, and forces it with
`tool_choice`; the answer is that `tool_use` block's `input`. `strict` is deliberately *not* set on the tool:
strict mode refuses common JSON Schema keywords (numeric and length bounds, some formats, patterns) and needs
`additionalProperties: false` everywhere, so a feature's schema could turn every call into a 400. The base class
validates every answer with jsonschema instead, which covers the whole schema.

Retries: the SDK retries 408/409/429/5xx and connection errors itself (`max_retries`, exponential backoff from
0.5 s up to 8 s, or the server's `retry-after-ms`/`retry-after` when positive); we only map what is left.
"""

import anthropic
from django.conf import settings

from resolutionflow.ai.errors import (
    LLMInvalidOutput,
    LLMProviderError,
    LLMRateLimited,
    LLMTimeout,
)
from resolutionflow.ai.llm import LLMProvider, RawAnswer

TOOL_NAME = "respond"
TOOL_DESCRIPTION = (
    "Give your answer by calling this tool. Its input is the complete answer and must match the input schema."
)
# Stop reasons that mean the output was cut off before the tool input was complete.
TRUNCATED_STOP_REASONS = {"max_tokens", "model_context_window_exceeded"}


class AnthropicProvider(LLMProvider):
    name = "anthropic"

    def __init__(self, api_key, model, *, base_url=None, timeout=None, max_retries=None, http_client=None):
        self.model = model
        self.timeout = settings.LLM_TIMEOUT_SECONDS if timeout is None else timeout
        self.max_retries = settings.LLM_MAX_RETRIES if max_retries is None else max_retries
        self._client = anthropic.Anthropic(
            api_key=api_key,
            base_url=base_url or settings.ANTHROPIC_BASE_URL,
            timeout=self.timeout,
            max_retries=self.max_retries,
            http_client=http_client,
        )

    def _complete(self, system, messages, schema, max_tokens) -> RawAnswer:
        try:
            response = self._client.messages.create(
                model=self.model,
                max_tokens=max_tokens,
                system=system or anthropic.omit,
                messages=messages,
                tools=[{"name": TOOL_NAME, "description": TOOL_DESCRIPTION, "input_schema": schema}],
                tool_choice={"type": "tool", "name": TOOL_NAME},
            )
        # Order matters: APITimeoutError is an APIConnectionError, RateLimitError an APIStatusError.
        except anthropic.APITimeoutError as exc:
            raise LLMTimeout(f"Anthropic did not answer within {self.timeout} s.") from exc
        except anthropic.APIConnectionError as exc:
            raise LLMProviderError(f"Could not reach Anthropic: {exc}") from exc
        except anthropic.RateLimitError as exc:
            raise LLMRateLimited(f"Anthropic rate limit: {_api_message(exc)}") from exc
        except anthropic.APIStatusError as exc:
            raise LLMProviderError(
                f"Anthropic answered HTTP {exc.status_code}: {_api_message(exc)}", status_code=exc.status_code
            ) from exc
        except anthropic.AnthropicError as exc:
            raise LLMProviderError(f"Anthropic client error: {exc}") from exc

        usage = response.usage
        input_tokens = (
            (usage.input_tokens or 0) + (usage.cache_creation_input_tokens or 0) + (usage.cache_read_input_tokens or 0)
        )
        spent = RawAnswer(data=None, input_tokens=input_tokens, output_tokens=usage.output_tokens or 0)

        if response.stop_reason in TRUNCATED_STOP_REASONS:
            raise _invalid(f"The answer was truncated (stop_reason={response.stop_reason}).", spent)
        block = next(
            (b for b in response.content if b.type == "tool_use" and getattr(b, "name", None) == TOOL_NAME),
            None,
        )
        if block is None:
            kinds = ", ".join(b.type for b in response.content) or "nothing"
            raise _invalid(
                f"The answer has no `{TOOL_NAME}` tool call (stop_reason={response.stop_reason}, content: {kinds}).",
                spent,
            )
        return RawAnswer(data=block.input, input_tokens=spent.input_tokens, output_tokens=spent.output_tokens)


def _invalid(message: str, spent: RawAnswer) -> LLMInvalidOutput:
    """An LLMInvalidOutput that carries the tokens the call spent, so the LLMCall row still counts them."""
    exc = LLMInvalidOutput(message)
    exc.answer = spent
    return exc


def _api_message(exc: anthropic.APIStatusError) -> str:
    return str(getattr(exc, "api_message", None) or exc.message)[:500]
