import json

from resolutionflow.models import Team


def test_lists_are_paginated_with_count_next_previous_results(api_as, northwind_engineer, northwind):
    for i in range(5):
        Team.objects.create(account=northwind, name=f"Extra {i}")

    body = api_as(northwind_engineer).get("/api/v1/teams?page_size=2&page=2").json()

    assert body["count"] == 6
    assert len(body["results"]) == 2
    assert body["next"].endswith("page=3&page_size=2")
    assert body["previous"] is not None


def test_page_size_is_capped_at_500(api_as, northwind_engineer):
    from resolutionflow.api.pagination import StandardPagination

    response = api_as(northwind_engineer).get("/api/v1/teams?page_size=100000")

    assert response.status_code == 200
    assert StandardPagination.max_page_size == 500


def test_bodies_over_one_megabyte_are_refused_with_413(api_as, northwind_engineer):
    big = json.dumps({"email": "x" * (1024 * 1024 + 10)})

    response = api_as(northwind_engineer).post("/api/v1/auth/token", big, content_type="application/json")

    assert response.status_code == 413
    assert "too large" in response.json()["detail"]


def test_the_openapi_schema_and_docs_are_served(client, db):
    schema = client.get("/api/v1/schema/")
    docs = client.get("/api/v1/docs/")

    assert schema.status_code == 200
    assert schema["Content-Type"] == "application/vnd.oai.openapi+json"
    assert "/api/v1/auth/token" in schema.json()["paths"]
    assert docs.status_code == 200


def test_the_openapi_schema_answers_an_unknown_format_in_json(client, db):
    response = client.get("/api/v1/schema/", {"format": "yaml"})

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_api_errors_are_json(api_as, northwind_engineer):
    response = api_as(northwind_engineer).get("/api/v1/teams/00000000-0000-0000-0000-000000000000")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def test_a_page_or_page_size_that_is_not_a_whole_number_from_1_is_a_400_naming_it(api_as, northwind_engineer):
    api = api_as(northwind_engineer)
    for query, field in (
        ("page=abc", "page"),
        ("page=0", "page"),
        ("page=-2", "page"),
        ("page_size=abc", "page_size"),
        ("page_size=0", "page_size"),
        ("page_size=2.5", "page_size"),
        ("page_size=last", "page_size"),
        ("page=%EF%BC%91", "page"),  # a full-width digit one
    ):
        response = api.get(f"/api/v1/teams?{query}")
        assert response.status_code == 400, query
        assert list(response.json()) == [field], query

    assert api.get("/api/v1/teams?page=last&page_size=1").status_code == 200
    assert api.get("/api/v1/teams?page=99").status_code == 404  # past the last page


def test_an_id_given_as_a_json_number_is_a_400_naming_the_field(api_as, northwind_engineer):
    from flowpilot import engine

    api = api_as(northwind_engineer)
    session = engine.start_session(northwind_engineer, "Printer offline on floor 2")
    for url, body, field in (
        (
            f"/api/v1/ai-sessions/{session.pk}/escalate",
            {"reason": "Needs on-site", "target_user_id": 5},
            "target_user_id",
        ),
        (
            f"/api/v1/ai-sessions/{session.pk}/escalate",
            {"reason": "Needs on-site", "target_team_id": 7.0},
            "target_team_id",
        ),
        (f"/api/v1/ai-sessions/{session.pk}/switch-flow", {"flow_id": 12}, "flow_id"),
        ("/api/v1/scripts/generate", {"template_id": 3, "parameters": {}}, "template_id"),
        ("/api/v1/scripts/generate", {"template_id": ["x"], "parameters": {}}, "template_id"),
    ):
        response = api.post(url, body, format="json")
        assert response.status_code == 400, (url, body, response.content)
        assert field in response.json(), (url, response.json())
