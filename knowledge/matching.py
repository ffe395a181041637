"""Flow matching: which published flows of an account fit an engineer's problem text, and how surely.

`match(account, text)` returns `[(tree, score)]`, best first. The score is calibrated, not a raw cosine:
it estimates the probability that the flow is the right one, so the tier thresholds of PRODUCT.md
(the CONFIDENCE_*_THRESHOLD settings, read only by `confidence_tier`) mean what they say. It combines, per candidate:

- `cosine`: similarity of the text's embedding to the flow's (name, description, keywords);
- `lead`: for the best candidate, how far its cosine is ahead of the runner-up (ambiguity lowers trust);
- `lexical`: PostgreSQL full-text rank of the text against the flow's name, keywords and description;
- `keyword_hits`: the flow's match keywords (vendor names, error codes) found verbatim in the text —
  the embedding model does not know FortiClient from Veeam, keywords do.

A logistic function of these, with weights fitted per embedding model on the tuning half of
`bench/data/matching_intakes.jsonl` (`bench/matching_accuracy.py --fit` prints them), gives the score.
"""

import math
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, models

from knowledge.models import NARROW_EMBEDDINGS, Tree, TreeStatus
from resolutionflow.ai.embeddings import LOCAL_MODEL_NAME, get_embedder

# Tenants with at most this many published flows are searched exactly (a scan of their rows); larger
# ones through the HNSW index with iterative scans. Exact search guarantees a small tenant its k results.
EXACT_SEARCH_MAX_FLOWS = 2000
CANDIDATES = 30


@dataclass(frozen=True)
class Calibration:
    bias: float
    cosine: float
    lead: float
    lexical: float
    keyword_hits: float

    def score(self, features: "Features") -> float:
        z = (
            self.bias
            + self.cosine * features.cosine
            + self.lead * features.lead
            + self.lexical * features.lexical
            + self.keyword_hits * features.keyword_hits
        )
        return 1.0 / (1.0 + math.exp(-z))


# Fitted by `bench/matching_accuracy.py --fit` on the tuning half of the labelled intakes (35 starter flows,
# 70 intakes; should-match-nothing intakes weighted 3x). The frozen half is only ever reported.
CALIBRATIONS = {
    LOCAL_MODEL_NAME: Calibration(bias=-4.9, cosine=8.45, lead=2.51, lexical=0.8, keyword_hits=3.59),
}
# Other models (Voyage) use the same shape until a bench with that model has been fitted.
DEFAULT_CALIBRATION = CALIBRATIONS[LOCAL_MODEL_NAME]


@dataclass(frozen=True)
class Features:
    cosine: float
    lead: float
    lexical: float
    keyword_hits: float


@dataclass(frozen=True)
class Match:
    tree: Tree
    score: float
    features: Features


class ConfidenceTier(models.TextChoices):
    """How surely a session's problem matches a flow; `confidence_tier` is the one place a score gets one."""

    GUIDED = "guided", "Guided"
    EXPLORING = "exploring", "Exploring"
    DISCOVERY = "discovery", "Discovery"


def confidence_tier(score: float | None) -> ConfidenceTier:
    """The tier of a best-match score (None: no match), by the CONFIDENCE_*_THRESHOLD settings."""
    if score is not None and score >= settings.CONFIDENCE_GUIDED_THRESHOLD:
        return ConfidenceTier.GUIDED
    if score is not None and score >= settings.CONFIDENCE_EXPLORING_THRESHOLD:
        return ConfidenceTier.EXPLORING
    return ConfidenceTier.DISCOVERY


def match(account, text: str, *, team=None, limit: int = 5, query_vector=None) -> list[tuple[Tree, float]]:
    """The account's published flows that fit `text`, best first, with calibrated scores in 0..1.

    With `team`, flows of that team and flows with no team are considered. `query_vector` lets a caller
    that already embedded the text (a session stores its intake embedding) skip the embedding call.
    """
    return [(m.tree, m.score) for m in match_details(account, text, team=team, limit=limit, query_vector=query_vector)]


def match_details(account, text: str, *, team=None, limit: int = 5, query_vector=None) -> list[Match]:
    text = (text or "").strip()
    if not text or account is None:
        return []
    embedder = get_embedder()
    if query_vector is None:
        query_vector = embedder.embed_one(text, "query")
    candidates = _nearest_flows(account, query_vector, embedder.model_name, team, max(CANDIDATES, limit))
    if not candidates:
        return []
    lexical = _lexical_ranks(text, [c.tree_id for c in candidates])
    calibration = CALIBRATIONS.get(embedder.model_name, DEFAULT_CALIBRATION)
    cosines = sorted((c.cosine for c in candidates), reverse=True)
    runner_up = cosines[1] if len(cosines) > 1 else 0.0
    normalised_text = _normalise(text)
    scored = []
    for candidate in candidates:
        features = Features(
            cosine=candidate.cosine,
            lead=max(candidate.cosine - runner_up, 0.0),
            lexical=lexical.get(candidate.tree_id, 0.0),
            keyword_hits=keyword_hits(normalised_text, candidate.match_keywords),
        )
        scored.append((calibration.score(features), candidate.tree_id, features))
    scored.sort(key=lambda item: item[0], reverse=True)
    best = scored[:limit]
    trees = Tree.objects.defer("embedding", "search_document").in_bulk([tree_id for _, tree_id, _ in best])
    return [Match(trees[tree_id], score, features) for score, tree_id, features in best]


@dataclass(frozen=True)
class Candidate:
    tree_id: object
    cosine: float
    match_keywords: list


def _nearest_flows(account, vector, model_name, team, k) -> list[Candidate]:
    """The k published flows of the account nearest to `vector` (cosine), best first.

    Tenants with few flows are scanned exactly; large ones go through the HNSW index, whose iterative
    scan (settings: hnsw.iterative_scan) keeps going until the account filter has yielded k rows.
    """
    with connection.cursor() as cursor:
        sql, params = nearest_flows_sql(
            account, vector, model_name=model_name, team=team, k=k, exact=_is_small_tenant(cursor, account)
        )
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    candidates = [Candidate(tree_id, float(cosine), _keywords(keywords)) for tree_id, cosine, keywords in rows]
    return sorted(candidates, key=lambda c: c.cosine, reverse=True)


def nearest_flows_sql(account, vector, *, model_name, team, k, exact: bool) -> tuple[str, list]:
    """The candidate search, best first by cosine.

    A narrow model's vectors are compared on their own components only. Through the index, candidates come
    in the order of the expression its HNSW index is built on (knowledge.models.NARROW_EMBEDDINGS, half
    precision); the cosine returned, and the exact scan's order, use the stored single-precision vectors.
    """
    narrow = NARROW_EMBEDDINGS.get(model_name)
    if narrow is None:
        stored, stored_type = "embedding", "vector"
        indexed, indexed_type = stored, stored_type
    else:
        dimensions = narrow[1]
        vector = vector[:dimensions]
        stored_type, indexed_type = f"vector({dimensions})", f"halfvec({dimensions})"
        stored = f"(subvector(embedding, 1, {dimensions}))::{stored_type}"
        indexed = f"(subvector(embedding, 1, {dimensions}))::{indexed_type}"
    literal = "[" + ",".join(f"{float(v):.7g}" for v in vector) + "]"
    conditions = "account_id = %s AND status = %s AND embedding_model = %s"
    params = [account.pk, TreeStatus.PUBLISHED, model_name]
    if team is not None:
        conditions += " AND (team_id IS NULL OR team_id = %s)"
        params.append(team.pk)
    distance = f"{stored} <=> %s::{stored_type}"
    # `+ 0` keeps the planner off the HNSW index: an exact scan of a small tenant's rows.
    order = f"({distance}) + 0" if exact else f"{indexed} <=> %s::{indexed_type}"
    sql = (
        f"SELECT id, 1 - ({distance}), match_keywords FROM knowledge_tree WHERE {conditions} ORDER BY {order} LIMIT %s"
    )
    return sql, [literal, *params, literal, k]


def _is_small_tenant(cursor, account) -> bool:
    cursor.execute(
        "SELECT 1 FROM knowledge_tree WHERE account_id = %s AND status = %s OFFSET %s LIMIT 1",
        [account.pk, TreeStatus.PUBLISHED, EXACT_SEARCH_MAX_FLOWS],
    )
    return cursor.fetchone() is None


def _keywords(value) -> list:
    if isinstance(value, str):  # a raw cursor may hand jsonb back as text
        import json

        return json.loads(value)
    return value or []


def _lexical_ranks(text: str, tree_ids: list) -> dict:
    """Full-text rank of `text` (any of its words) against each candidate, squashed to 0..1."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT id, ts_rank_cd(search_document, query, 1)
            FROM knowledge_tree,
                 (SELECT NULLIF(replace(plainto_tsquery('english', %s)::text, ' & ', ' | '), '')::tsquery AS query) q
            WHERE id = ANY(%s) AND query IS NOT NULL AND search_document @@ query
            """,
            [text, tree_ids],
        )
        return {tree_id: rank / (rank + 0.1) for tree_id, rank in cursor.fetchall()}


_WORD = re.compile(r"[\w.\-]+", re.UNICODE)


def _normalise(text: str) -> str:
    return " " + " ".join(_WORD.findall(text.casefold())) + " "


def keyword_hits(normalised_text: str, keywords) -> float:
    """The share of up to three keyword phrases found as whole words in the text (0, 1/3, 2/3, 1)."""
    hits = 0
    for keyword in keywords or []:
        phrase = " ".join(_WORD.findall(str(keyword).casefold()))
        if len(phrase) >= 3 and f" {phrase} " in normalised_text:
            hits += 1
            if hits == 3:
                break
    return hits / 3
