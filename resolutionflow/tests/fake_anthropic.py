"""A fake Anthropic Messages API for tests: real response shapes, answered by an httpx2.MockTransport.

    fake = FakeAnthropic(httpx2.Response(200, json=message_body([tool_use({...})])))
    provider = provider_for(fake)           # an AnthropicProvider whose HTTP goes to `fake`

The `fake_llm` fixture (root conftest) installs such a provider as the product's LLM.
"""

import json

import httpx2

from resolutionflow.ai.anthropic_provider import AnthropicProvider

MODEL = "claude-test-model"


def message_body(content, *, stop_reason="tool_use", input_tokens=412, output_tokens=57):
    return {
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
        "type": "message",
        "role": "assistant",
        "model": MODEL,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
    }


def tool_use(data, name="respond"):
    return {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": name, "input": data}


def error_body(kind, message):
    return {"type": "error", "error": {"type": kind, "message": message}, "request_id": "req_011CSHoEeqs5C35K2UUqR7Fy"}


class FakeAnthropic:
    """Answers requests in order from `replies` (an httpx2.Response, or an exception to raise); records requests."""

    def __init__(self, *replies):
        self.replies = list(replies)
        self.requests = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(reply, Exception):
            raise reply
        return reply

    def bodies(self):
        return [json.loads(r.content) for r in self.requests]


def provider_for(fake, *, max_retries=0):
    http_client = httpx2.Client(transport=httpx2.MockTransport(fake))
    return AnthropicProvider(
        api_key="test-key", model=MODEL, base_url="http://fake.local", max_retries=max_retries, http_client=http_client
    )


def tool_reply(data, **usage) -> httpx2.Response:
    """A 200 answer whose forced tool call carries `data`."""
    return httpx2.Response(200, json=message_body([tool_use(data)], **usage))


def text_reply(text="I think you should check DNS.") -> httpx2.Response:
    """A 200 answer without the tool call: unusable for structured output."""
    return httpx2.Response(200, json=message_body([{"type": "text", "text": text}], stop_reason="end_turn"))
