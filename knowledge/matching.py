"""Flow matching: which published flows of an account fit an engineer's problem text, and how surely.

`match(account, text)` returns `[(tree, score)]`, best first. The score is calibrated, not a raw cosine:
it estimates the probability that the flow is the right one, so the tier thresholds of PRODUCT.md
(guided ≥ 0.80, exploring ≥ 0.50) mean what they say. It combines, per candidate:

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
from django.db import connection
from pgvector.django import CosineDistance

from knowledge.models import Tree, TreeStatus
from resolutionflow.ai.embeddings import get_embedder

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
    "local:all-MiniLM-L6-v2": Calibration(bias=-4.9, cosine=8.45, lead=2.51, lexical=0.8, keyword_hits=3.59),
}
# Other models (Voyage) use the same shape until a bench with that model has been fitted.
DEFAULT_CALIBRATION = CALIBRATIONS["local:all-MiniLM-L6-v2"]


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


def confidence_tier(score: float | None) -> str:
    """`guided`, `exploring` or `discovery` for a best-match score (None: no match)."""
    if score is not None and score >= settings.CONFIDENCE_GUIDED_THRESHOLD:
        return "guided"
    if score is not None and score >= settings.CONFIDENCE_EXPLORING_THRESHOLD:
        return "exploring"
    return "discovery"


def match(account, text: str, team=None, limit: int = 5, *, query_vector=None) -> list[tuple[Tree, float]]:
    """The account's published flows that fit `text`, best first, with calibrated scores in 0..1.

    With `team`, flows of that team and flows with no team are considered. `query_vector` lets a caller
    that already embedded the text (a session stores its intake embedding) skip the embedding call.
    """
    return [(m.tree, m.score) for m in match_details(account, text, team=team, limit=limit, query_vector=query_vector)]


def match_details(account, text: str, team=None, limit: int = 5, *, query_vector=None) -> list[Match]:
    text = (text or "").strip()
    if not text or account is None:
        return []
    embedder = get_embedder()
    if query_vector is None:
        query_vector = embedder.embed_one(text, "query")
    candidates = _nearest_flows(account, query_vector, embedder.model_name, team, max(CANDIDATES, limit))
    if not candidates:
        return []
    lexical = _lexical_ranks(text, [tree.pk for tree, _ in candidates])
    calibration = CALIBRATIONS.get(embedder.model_name, DEFAULT_CALIBRATION)
    cosines = sorted((cosine for _, cosine in candidates), reverse=True)
    runner_up = cosines[1] if len(cosines) > 1 else 0.0
    normalised_text = _normalise(text)
    matches = []
    for tree, cosine in candidates:
        features = Features(
            cosine=cosine,
            lead=max(cosine - runner_up, 0.0),
            lexical=lexical.get(tree.pk, 0.0),
            keyword_hits=keyword_hits(normalised_text, tree.match_keywords),
        )
        matches.append(Match(tree, calibration.score(features), features))
    matches.sort(key=lambda m: m.score, reverse=True)
    return matches[:limit]


def _nearest_flows(account, vector, model_name, team, k) -> list[tuple[Tree, float]]:
    flows = Tree.objects.for_account(account).filter(status=TreeStatus.PUBLISHED, embedding_model=model_name)
    if team is not None:
        flows = flows.filter(team__isnull=True) | flows.filter(team=team)
    flows = flows.defer("embedding", "search_document")
    distance = CosineDistance("embedding", vector)
    if flows.count() <= EXACT_SEARCH_MAX_FLOWS:
        # `+ 0` keeps the planner off the HNSW index: an exact scan of this tenant's rows.
        ordered = flows.annotate(distance=distance).order_by(distance + 0)
    else:
        ordered = flows.annotate(distance=distance).order_by(distance)
    return sorted(((tree, 1.0 - tree.distance) for tree in ordered[:k]), key=lambda pair: pair[1], reverse=True)


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
