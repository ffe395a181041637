"""AnthropicProvider through the real `anthropic` SDK, with HTTP answered by an `httpx2.MockTransport`.

The answers have the Messages API's real shapes (a `message` with a `tool_use` block, `usage`; errors as
`{"type": "error", "error": {...}}`), so the SDK's own parsing, retry loop and error classes are exercised.
"""

import json

import httpx2
import pytest

from resolutionflow.ai.anthropic_provider import AnthropicProvider
from resolutionflow.ai.errors import (
    LLMInvalidOutput,
    LLMProviderError,
    LLMRateLimited,
    LLMTimeout,
    LLMUnavailable,
)
from resolutionflow.ai.llm import NullProvider, build_provider
from resolutionflow.models import LLMCall
from resolutionflow.tests.fake_anthropic import MODEL, FakeAnthropic, error_body, message_body, provider_for, tool_use

SCHEMA = {
    "type": "object",
    "properties": {
        "title": {"type": "string", "minLength": 1},
        "steps": {"type": "array", "items": {"type": "string"}, "minItems": 1},
    },
    "required": ["title", "steps"],
    "additionalProperties": False,
}
SYSTEM = "You turn ticket notes into troubleshooting flows."
MESSAGES = [{"role": "user", "content": "VPN drops every 10 minutes on FortiClient."}]
ANSWER = {"title": "FortiClient VPN drops", "steps": ["Check the DPD timeout", "Update FortiClient"]}
# The SDK reads `retry-after-ms` first; `retry-after: 0` is *not* honoured as "no wait" (a value must be > 0,
# otherwise the SDK falls back to its 0.5 s+ backoff), so the fakes ask for 1 ms.
FAST_RETRY = {"retry-after-ms": "1"}


def generate(provider, account=None):
    return provider.generate_json("flywheel", SYSTEM, MESSAGES, SCHEMA, account=account, max_tokens=1000)


def test_a_tool_answer_is_returned_and_logged_with_tokens(northwind):
    fake = FakeAnthropic(httpx2.Response(200, json=message_body([tool_use(ANSWER)])))

    assert generate(provider_for(fake), account=northwind) == ANSWER

    [request] = fake.requests
    assert request.method == "POST"
    assert request.url.path == "/v1/messages"
    # anthropic 2.x sends the key as a bearer token (1.x used `x-api-key`).
    assert request.headers["authorization"] == "Bearer test-key"
    assert request.headers["anthropic-version"]
    body = json.loads(request.content)
    assert body["model"] == MODEL
    assert body["max_tokens"] == 1000
    assert body["system"] == SYSTEM
    assert body["messages"] == MESSAGES
    assert body["tool_choice"] == {"type": "tool", "name": "respond"}
    [tool] = body["tools"]
    assert tool["name"] == "respond"
    assert tool["input_schema"] == SCHEMA
    assert tool["description"]
    assert "strict" not in tool
    call = LLMCall.objects.get()
    assert (call.account, call.purpose, call.provider, call.model) == (northwind, "flywheel", "anthropic", MODEL)
    assert (call.input_tokens, call.output_tokens, call.outcome, call.error) == (412, 57, "ok", "")


def test_a_text_block_before_the_tool_call_is_ignored(db):
    content = [{"type": "text", "text": "Here is the flow."}, tool_use(ANSWER)]
    fake = FakeAnthropic(httpx2.Response(200, json=message_body(content)))

    assert generate(provider_for(fake)) == ANSWER


def test_cached_input_tokens_are_counted(db):
    body = message_body([tool_use(ANSWER)])
    body["usage"].update(cache_creation_input_tokens=100, cache_read_input_tokens=1000)
    fake = FakeAnthropic(httpx2.Response(200, json=body))

    generate(provider_for(fake))

    assert LLMCall.objects.get().input_tokens == 412 + 100 + 1000


@pytest.mark.parametrize(
    ("content", "stop_reason", "message"),
    [
        pytest.param(
            [{"type": "text", "text": "I cannot help with that."}],
            "end_turn",
            "no `respond` tool call",
            id="no-tool-use",
        ),
        pytest.param([tool_use({"title": "FortiClient VPN"})], "max_tokens", "truncated", id="max-tokens"),
        pytest.param(
            [tool_use({"title": "x", "steps": []})],
            "tool_use",
            "does not match the schema at steps",
            id="schema-mismatch",
        ),
        pytest.param([tool_use(ANSWER, name="other")], "tool_use", "no `respond` tool call", id="other-tool"),
    ],
)
def test_an_unusable_answer_is_invalid_output_and_logged_with_its_tokens(northwind, content, stop_reason, message):
    fake = FakeAnthropic(httpx2.Response(200, json=message_body(content, stop_reason=stop_reason)))

    with pytest.raises(LLMInvalidOutput, match=message):
        generate(provider_for(fake), account=northwind)

    call = LLMCall.objects.get()
    assert call.outcome == "invalid_output"
    assert message in call.error
    assert (call.account, call.input_tokens, call.output_tokens) == (northwind, 412, 57)


def test_a_429_is_retried_by_the_sdk_then_succeeds(db):
    fake = FakeAnthropic(
        httpx2.Response(
            429,
            json=error_body("rate_limit_error", "Number of requests has exceeded your rate limit"),
            headers=FAST_RETRY,
        ),
        httpx2.Response(200, json=message_body([tool_use(ANSWER)])),
    )

    assert generate(provider_for(fake, max_retries=2)) == ANSWER

    assert len(fake.requests) == 2
    assert fake.bodies()[0] == fake.bodies()[1]
    assert [r.headers["x-stainless-retry-count"] for r in fake.requests] == ["0", "1"]
    assert LLMCall.objects.get().outcome == "ok"


def test_429s_beyond_the_retries_are_rate_limited(db):
    fake = FakeAnthropic(
        httpx2.Response(429, json=error_body("rate_limit_error", "Slow down"), headers=FAST_RETRY),
    )

    with pytest.raises(LLMRateLimited, match="Slow down"):
        generate(provider_for(fake, max_retries=1))

    assert len(fake.requests) == 2
    assert LLMCall.objects.get().outcome == "rate_limited"


def test_repeated_500s_beyond_the_retries_are_a_provider_error_with_the_status(db):
    fake = FakeAnthropic(
        httpx2.Response(500, json=error_body("api_error", "Internal server error"), headers=FAST_RETRY),
    )

    with pytest.raises(LLMProviderError) as raised:
        generate(provider_for(fake, max_retries=2))

    assert raised.value.status_code == 500
    assert len(fake.requests) == 3
    call = LLMCall.objects.get()
    assert call.outcome == "error"
    assert "500" in call.error


def test_a_400_is_not_retried(db):
    fake = FakeAnthropic(
        httpx2.Response(400, json=error_body("invalid_request_error", "tools.0.input_schema: invalid")),
    )

    with pytest.raises(LLMProviderError, match="input_schema: invalid") as raised:
        generate(provider_for(fake, max_retries=2))

    assert raised.value.status_code == 400
    assert len(fake.requests) == 1


def test_a_timeout_is_llm_timeout_and_logged(northwind):
    fake = FakeAnthropic(httpx2.ReadTimeout("timed out"))

    with pytest.raises(LLMTimeout):
        generate(provider_for(fake), account=northwind)

    call = LLMCall.objects.get()
    assert (call.outcome, call.account, call.input_tokens) == ("timeout", northwind, 0)


def test_a_connection_failure_is_a_provider_error_without_status(db):
    fake = FakeAnthropic(httpx2.ConnectError("connection refused"))

    with pytest.raises(LLMProviderError) as raised:
        generate(provider_for(fake))

    assert raised.value.status_code is None
    assert LLMCall.objects.get().outcome == "error"


def test_an_unexpected_exception_is_logged_as_an_error_not_ok(db, monkeypatch):
    provider = provider_for(FakeAnthropic(httpx2.Response(200, json=message_body([tool_use(ANSWER)]))))

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(provider, "_complete", broken)

    with pytest.raises(RuntimeError):
        generate(provider)

    call = LLMCall.objects.get()
    assert call.outcome == "error"
    assert "boom" in call.error


def test_defaults_come_from_settings(settings):
    settings.LLM_TIMEOUT_SECONDS = 12.5
    settings.LLM_MAX_RETRIES = 4
    settings.ANTHROPIC_BASE_URL = "http://proxy.local"

    provider = AnthropicProvider(api_key="k", model=MODEL)

    assert provider._client.timeout == 12.5
    assert provider._client.max_retries == 4
    assert str(provider._client.base_url) == "http://proxy.local"


def test_build_provider_without_a_key_is_the_null_provider_which_refuses(db):
    provider = build_provider("auto", "")

    assert isinstance(provider, NullProvider)
    assert provider.is_available is False
    with pytest.raises(LLMUnavailable):
        provider.generate_json("flywheel", SYSTEM, MESSAGES, SCHEMA)
    assert not LLMCall.objects.exists()


def test_build_provider_with_a_key_is_anthropic(settings):
    settings.ANTHROPIC_MODEL = "claude-from-settings"

    provider = build_provider("auto", "sk-ant-test")

    assert isinstance(provider, AnthropicProvider)
    assert provider.name == "anthropic"
    assert provider.model == "claude-from-settings"
    assert provider.is_available
