"""VoyageProvider through the real `voyageai` client against a local fake of `POST /v1/embeddings`.

The client talks HTTP with `requests` (respx/httpx mocks do not apply), so the fake is a real HTTP server on
127.0.0.1. Answers have the API's shapes: `{"object": "list", "data": [{"object": "embedding", "embedding":
<base64 little-endian float32, as the client asks for>, "index": i}], "model", "usage": {"total_tokens"}}`;
errors are `{"detail": "..."}` (the client only recognises a 429 as a rate limit with that body).
"""

import base64
import contextlib
import json
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
import tenacity
import voyageai.client

from resolutionflow.ai.embeddings.base import build_embedder
from resolutionflow.ai.embeddings.voyage import VoyageProvider
from resolutionflow.ai.errors import EmbeddingError

MODEL = "voyage-3.5"
DIMENSIONS = 1024
TEXTS = ["Outlook keeps asking for the password", "VPN drops every 10 minutes", "Printer offline on floor 2"]


def vector_for(text, dimensions=DIMENSIONS):
    """A deterministic unit vector per text: one-hot at a position derived from the text."""
    vector = [0.0] * dimensions
    vector[zlib.crc32(text.encode()) % dimensions] = 1.0
    return vector


def encode(vector):
    return base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode()


def embeddings_body(texts, *, dimensions=DIMENSIONS, as_base64=True, count=None):
    vectors = [vector_for(t, dimensions) for t in texts][: count if count is not None else len(texts)]
    return {
        "object": "list",
        "data": [
            {"object": "embedding", "embedding": encode(v) if as_base64 else v, "index": i}
            for i, v in enumerate(vectors)
        ],
        "model": MODEL,
        "usage": {"total_tokens": 7 * len(texts)},
    }


class Reply:
    def __init__(self, status=200, body=None, *, raw=None, delay=0.0, headers=None):
        self.status, self.body, self.raw, self.delay, self.headers = status, body, raw, delay, headers or {}


class FakeVoyage:
    """Serves `replies` in order (the last one repeats); each reply is a Reply or a function(request_body) -> Reply."""

    def __init__(self):
        self.replies = [lambda body: Reply(200, embeddings_body(body["input"]))]
        self.requests = []  # (path, headers, parsed body)
        self.released = threading.Event()

    def next_reply(self, body):
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        return reply(body) if callable(reply) else reply


@pytest.fixture
def fake_voyage(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    fake = FakeVoyage()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            fake.requests.append((self.path, dict(self.headers), body))
            reply = fake.next_reply(body)
            if reply.delay:
                fake.released.wait(reply.delay)
            payload = reply.raw if reply.raw is not None else json.dumps(reply.body).encode()
            # In the timeout test the client has gone by now: a broken pipe is expected, not an error.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    yield fake
    fake.released.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def no_retry_wait(monkeypatch):
    """voyageai waits 1 s + jitter (then 2, 4... up to 16 s) between attempts and ignores retry-after; skip it."""
    monkeypatch.setattr(voyageai.client, "wait_exponential_jitter", lambda **kwargs: tenacity.wait_none())


def provider(fake, **kwargs):
    return VoyageProvider(api_key="pa-test-key", model=MODEL, base_url=fake.base_url, **kwargs)


def test_texts_are_sent_in_batches_and_vectors_come_back_in_order(fake_voyage):
    embedder = provider(fake_voyage, batch_size=2)

    vectors = embedder.embed(TEXTS, "document")

    assert vectors == [vector_for(t) for t in TEXTS]
    assert all(len(v) == DIMENSIONS for v in vectors)
    assert [body["input"] for _, _, body in fake_voyage.requests] == [TEXTS[:2], TEXTS[2:]]
    for path, headers, body in fake_voyage.requests:
        assert path == "/v1/embeddings"
        assert headers["Authorization"] == "Bearer pa-test-key"
        assert body["model"] == MODEL
        assert body["input_type"] == "document"
        assert body["output_dimension"] == DIMENSIONS
        assert body["encoding_format"] == "base64"  # the client asks for base64 and decodes it itself
    assert embedder.model_name == "voyage:voyage-3.5"


def test_a_query_is_embedded_as_a_query_and_plain_float_lists_are_accepted(fake_voyage):
    fake_voyage.replies = [lambda body: Reply(200, embeddings_body(body["input"], as_base64=False))]

    vector = provider(fake_voyage).embed_one("reset MFA for a user")

    assert vector == vector_for("reset MFA for a user")
    [(_, _, body)] = fake_voyage.requests
    assert body["input_type"] == "query"


def test_the_batch_size_defaults_to_the_setting(fake_voyage, settings):
    settings.VOYAGE_BATCH_SIZE = 1

    provider(fake_voyage).embed(TEXTS)

    assert len(fake_voyage.requests) == 3


def test_a_429_is_retried_then_succeeds(fake_voyage, no_retry_wait):
    fake_voyage.replies = [
        Reply(429, {"detail": "You have exceeded the rate limit."}),
        lambda body: Reply(200, embeddings_body(body["input"])),
    ]

    vectors = provider(fake_voyage, max_retries=3).embed(TEXTS)

    assert vectors == [vector_for(t) for t in TEXTS]
    assert len(fake_voyage.requests) == 2


def test_max_retries_counts_attempts_not_retries(fake_voyage, no_retry_wait):
    fake_voyage.replies = [Reply(429, {"detail": "You have exceeded the rate limit."})]

    with pytest.raises(EmbeddingError, match="RateLimitError"):
        provider(fake_voyage, max_retries=2).embed(TEXTS)

    assert len(fake_voyage.requests) == 2


def test_a_500_is_not_retried_by_the_client(fake_voyage, no_retry_wait):
    fake_voyage.replies = [Reply(500, {"detail": "Internal error"})]

    with pytest.raises(EmbeddingError, match="ServerError"):
        provider(fake_voyage, max_retries=3).embed(TEXTS)

    assert len(fake_voyage.requests) == 1


def test_malformed_json_is_an_embedding_error(fake_voyage):
    fake_voyage.replies = [Reply(200, raw=b'{"object": "list", "data": [')]

    with pytest.raises(EmbeddingError):
        provider(fake_voyage).embed(TEXTS)


def test_an_unexpected_body_is_an_embedding_error(fake_voyage):
    fake_voyage.replies = [Reply(200, {"object": "list", "model": MODEL})]

    with pytest.raises(EmbeddingError, match="unexpected body"):
        provider(fake_voyage).embed(TEXTS)


def test_a_vector_of_the_wrong_length_is_an_embedding_error(fake_voyage):
    fake_voyage.replies = [lambda body: Reply(200, embeddings_body(body["input"], dimensions=512))]

    with pytest.raises(EmbeddingError, match="512 components"):
        provider(fake_voyage).embed(TEXTS)


def test_too_few_vectors_is_an_embedding_error(fake_voyage):
    fake_voyage.replies = [lambda body: Reply(200, embeddings_body(body["input"], count=2))]

    with pytest.raises(EmbeddingError, match="2 vectors for 3 texts"):
        provider(fake_voyage).embed(TEXTS)


def test_a_server_slower_than_the_timeout_is_an_embedding_error(fake_voyage):
    fake_voyage.replies = [lambda body: Reply(200, embeddings_body(body["input"]), delay=5)]
    started = time.monotonic()

    with pytest.raises(EmbeddingError, match="Timeout"):
        provider(fake_voyage, timeout=0.5, max_retries=1).embed(TEXTS)

    assert time.monotonic() - started < 2
    assert len(fake_voyage.requests) == 1


def test_build_embedder_with_a_key_is_voyage(settings):
    settings.VOYAGE_MODEL = "voyage-3.5-lite"

    embedder = build_embedder("auto", "pa-test-key")

    assert isinstance(embedder, VoyageProvider)
    assert embedder.model_name == "voyage:voyage-3.5-lite"
