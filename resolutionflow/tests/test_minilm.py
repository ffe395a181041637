"""The numpy all-MiniLM-L6-v2 encoder against published sentence-transformers outputs. No database."""

import math
import threading

import numpy as np
import pytest

from resolutionflow.ai.embeddings.minilm import DIMENSIONS, MODEL_NAME, MiniLMEncoder, gelu_, get_encoder

FOOD = "A man is eating food."
BREAD = "A man is eating a piece of bread."
HORSE = "A man is riding a horse."

LOCKOUT_QUERY = "user can't sign in, says account locked"
LOCKOUT_FLOW = "AD account lockout: user account locked out in Active Directory, unlock account, find lockout source"
PRINTER_FLOW = "Printer offline: print jobs stuck in queue, printer shows offline, restart print spooler"

MIXED_LENGTHS = [
    "",
    "VPN down",
    LOCKOUT_QUERY,
    PRINTER_FLOW,
    "Outlook keeps asking for the password after the Microsoft 365 migration, even though the password "
    "was reset yesterday and works in the browser; the user has already restarted the laptop twice.",
    "ok",
    LOCKOUT_FLOW,
]


@pytest.fixture(scope="module")
def encoder() -> MiniLMEncoder:
    return get_encoder()


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_reference_similarities(encoder):
    food, bread, horse = encoder.encode([FOOD, BREAD, HORSE])
    # sentence-transformers with this model (LIBRARIES.md). Pooling over padding, CLS pooling or a
    # missing attention mask give 0.68, 0.33 or 0.84 for the first pair.
    assert cosine(food, bread) == pytest.approx(0.7553, abs=0.01)
    assert cosine(food, horse) == pytest.approx(0.2474, abs=0.01)
    assert cosine(bread, horse) == pytest.approx(0.1442, abs=0.01)


def test_matches_sentence_transformers_components(encoder):
    # First components of sentence-transformers' all-MiniLM-L6-v2 vector for "Hello world", as printed by
    # `llm embed -m sentence-transformers/all-MiniLM-L6-v2 -c 'Hello world'` (Simon Willison, 2023).
    published = [-0.03447725251317024, 0.031023245304822922, 0.006734962109476328, 0.026108916848897934]
    vector = encoder.encode(["Hello world"])[0]
    np.testing.assert_allclose(vector[:4], published, rtol=0, atol=1e-6)


def test_shape_dtype_and_unit_norm(encoder):
    vectors = encoder.encode(MIXED_LENGTHS)
    assert vectors.shape == (len(MIXED_LENGTHS), DIMENSIONS) == (7, 384)
    assert vectors.dtype == np.float32
    assert np.all(np.isfinite(vectors))
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.DIMENSIONS == 384 and encoder.MODEL_NAME == MODEL_NAME == "all-MiniLM-L6-v2"


def test_empty_inputs(encoder):
    assert encoder.encode([]).shape == (0, 384)
    (vector,) = encoder.encode([""])  # [CLS] [SEP]
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)


def test_order_is_preserved(encoder):
    forward = encoder.encode(MIXED_LENGTHS, batch_size=3)
    backward = encoder.encode(MIXED_LENGTHS[::-1], batch_size=3)
    np.testing.assert_allclose(forward, backward[::-1], atol=1e-5)
    # And each row belongs to its own text, not to a neighbour of the same batch.
    similarities = forward @ forward.T
    assert np.all(similarities.argmax(axis=1) == np.arange(len(MIXED_LENGTHS)))


def test_batched_equals_one_by_one(encoder):
    """Padding must not leak into the result: the attention and pooling masks are right."""
    batched = encoder.encode(MIXED_LENGTHS)
    single = np.vstack([encoder.encode([text]) for text in MIXED_LENGTHS])
    np.testing.assert_allclose(batched, single, atol=1e-5)


def test_truncates_at_256_tokens_not_128(encoder):
    words = " ".join(f"word{index}" for index in range(400))  # far more than 256 tokens
    long_a, long_b = encoder.encode([words, words + " something else entirely"])
    np.testing.assert_allclose(long_a, long_b, atol=1e-5)  # the tail past 256 tokens is cut
    assert encoder.tokenizer.encode(words).attention_mask.count(1) == 256
    # Tokens 128..255 still count (the shipped tokenizer.json would have cut them).
    prefix_150 = " ".join(["printer"] * 150)
    short, longer = encoder.encode([prefix_150, prefix_150 + " vpn" * 100])
    assert cosine(short, longer) < 0.999


def test_lockout_query_prefers_lockout_flow(encoder):
    query, lockout, printer = encoder.encode([LOCKOUT_QUERY, LOCKOUT_FLOW, PRINTER_FLOW])
    assert cosine(query, lockout) > cosine(query, printer) + 0.2


def test_rejects_a_bare_string(encoder):
    with pytest.raises(TypeError):
        encoder.encode("a single string")


def test_get_encoder_is_a_shared_singleton(encoder):
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(get_encoder())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 4 and all(instance is encoder for instance in seen)


def test_gelu_uses_exact_erf():
    x = np.linspace(-10, 10, 20001, dtype=np.float32)
    result = x.copy()
    gelu_(result)
    exact = np.array([value * 0.5 * (1.0 + math.erf(value / math.sqrt(2.0))) for value in x.astype(float)])
    # Within float32 rounding of the exact value (the tanh approximation is off by up to 5e-4).
    np.testing.assert_allclose(result, exact, rtol=1.2e-7, atol=1e-9)
