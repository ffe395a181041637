"""Candidate search: narrow models through their own index, k results for every tenant, exact cosines."""

import numpy as np
import pytest
from django.db import connection

from knowledge import matching
from knowledge.models import Tree
from knowledge.tests.factories import QuestionTreeFactory

LOCAL = "local:all-MiniLM-L6-v2"


def unit(rng, dimensions=384, width=1024):
    vector = np.zeros(width, dtype=np.float32)
    vector[:dimensions] = rng.normal(size=dimensions)
    return vector / np.linalg.norm(vector)


def published_flows(account, vectors, model=LOCAL) -> list[Tree]:
    """Published flows with the given vectors, inserted in bulk (the search reads rows, not how they came)."""
    return Tree.objects.bulk_create(
        Tree(
            account=account,
            name=f"Flow {n}",
            tree_structure=QuestionTreeFactory(),
            status="published",
            version=1,
            embedding=vector.tolist(),
            embedding_model=model,
        )
        for n, vector in enumerate(vectors)
    )


def plan(sql, params) -> str:
    with connection.cursor() as cursor:
        # A test table is tiny: keep the planner off scans and sorts so that it shows the ordering index.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_local_model_is_searched_through_its_own_384_component_half_precision_index(northwind):
    query = unit(np.random.default_rng(1)).tolist()

    sql, params = matching.nearest_flows_sql(northwind, query, model_name=LOCAL, team=None, k=30, exact=False)

    assert "tree_embedding_minilm_half_hnsw" in plan(sql, params)
    assert "halfvec(384)" in sql


def test_another_model_is_searched_through_the_full_width_index(northwind):
    query = unit(np.random.default_rng(1), dimensions=1024).tolist()

    sql, params = matching.nearest_flows_sql(
        northwind, query, model_name="voyage:voyage-3.5", team=None, k=30, exact=False
    )

    shown = plan(sql, params)
    assert "tree_embedding_hnsw" in shown
    assert "minilm" not in shown


@pytest.mark.parametrize("exact", [True, False])
def test_candidate_cosines_are_the_cosines_of_the_stored_vectors(northwind, exact):
    rng = np.random.default_rng(2)
    vectors = [unit(rng) for _ in range(4)]
    flows = published_flows(northwind, vectors)
    query = unit(rng)

    with connection.cursor() as cursor:
        cursor.execute(
            *matching.nearest_flows_sql(northwind, query.tolist(), model_name=LOCAL, team=None, k=30, exact=exact)
        )
        found = {tree_id: cosine for tree_id, cosine, _ in cursor.fetchall()}

    expected = {flow.pk: float(vector @ query) for flow, vector in zip(flows, vectors, strict=True)}
    assert found.keys() == expected.keys()
    for tree_id, cosine in expected.items():
        assert found[tree_id] == pytest.approx(cosine, abs=1e-5)


@pytest.mark.parametrize("exact_search_max_flows", [0, 2000], ids=["index", "exact"])
def test_a_tenant_with_k_flows_always_gets_k_results(northwind, contoso, monkeypatch, exact_search_max_flows):
    """Contoso's 5 flows are far from the query, Northwind's 60 are all closer: the account filter must
    not leave Contoso short, through the HNSW index (iterative scan) or the exact scan."""
    monkeypatch.setattr(matching, "EXACT_SEARCH_MAX_FLOWS", exact_search_max_flows)
    rng = np.random.default_rng(3)
    query = unit(rng)
    published_flows(northwind, [unit(rng) * 0.2 + query for _ in range(60)])
    far = published_flows(contoso, [unit(rng) - query for _ in range(5)])

    candidates = matching._nearest_flows(contoso, query.tolist(), LOCAL, None, 5)
    results = matching.match(contoso, "printer offline", query_vector=query.tolist(), limit=5)

    assert {c.tree_id for c in candidates} == {flow.pk for flow in far}
    assert len(results) == 5
    assert {tree.account_id for tree, _ in results} == {contoso.pk}
