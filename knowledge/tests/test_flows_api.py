import pytest

from knowledge.models import Tree, TreeStatus
from knowledge.tests.factories import QuestionTreeFactory, TreeFactory
from resolutionflow.testing import assert_foreign_404


def envelope(**overrides):
    return {
        "name": "VPN won't connect",
        "description": "FortiClient fails",
        "problem_domain": "vpn",
        "match_keywords": ["FortiClient"],
        "tree_structure": QuestionTreeFactory(),
        **overrides,
    }


def test_an_admin_creates_a_flow_and_gets_every_field(api_as, northwind_admin):
    response = api_as(northwind_admin).post("/api/v1/flows", envelope(), format="json")

    assert response.status_code == 201
    body = response.json()
    assert {
        "id",
        "name",
        "description",
        "tree_type",
        "tree_structure",
        "problem_domain",
        "match_keywords",
        "origin",
        "status",
        "version",
        "times_matched",
        "times_followed",
        "success_count",
        "success_rate",
        "last_matched_at",
    } <= set(body)
    assert body["version"] == 1 and body["status"] == "published" and body["origin"] == "manual"


def test_an_invalid_tree_gets_400_with_the_path(api_as, northwind_admin):
    bad = QuestionTreeFactory(options=("a", "b", "c", "d", "e", "f"))

    response = api_as(northwind_admin).post("/api/v1/flows", envelope(tree_structure=bad), format="json")

    assert response.status_code == 400
    assert response.json() == {"tree_structure": ["root: question needs 2-5 children"]}
    assert not Tree.objects.exists()


def test_engineers_read_flows_but_cannot_write_them(api_as, northwind_engineer, northwind):
    tree = TreeFactory(account=northwind)
    client = api_as(northwind_engineer)

    assert client.get(f"/api/v1/flows/{tree.pk}").status_code == 200
    assert client.post("/api/v1/flows", envelope(), format="json").status_code == 403
    assert client.put(f"/api/v1/flows/{tree.pk}", envelope(), format="json").status_code == 403
    assert client.delete(f"/api/v1/flows/{tree.pk}").status_code == 403


def test_a_team_admin_cannot_edit_another_teams_flow_but_an_owner_can(
    api_as, northwind_admin, northwind_owner, northwind, projects_team
):
    tree = TreeFactory(account=northwind, team=projects_team)

    assert api_as(northwind_admin).put(f"/api/v1/flows/{tree.pk}", envelope(), format="json").status_code == 403
    assert api_as(northwind_owner).put(f"/api/v1/flows/{tree.pk}", envelope(), format="json").status_code == 200


def test_put_validates_and_creates_a_version(api_as, northwind_admin, northwind):
    tree = TreeFactory(account=northwind)
    client = api_as(northwind_admin)

    response = client.put(f"/api/v1/flows/{tree.pk}", envelope(note="renamed"), format="json")

    assert response.status_code == 200 and response.json()["version"] == 2
    versions = client.get(f"/api/v1/flows/{tree.pk}/versions").json()
    assert [v["version"] for v in versions["results"]] == [2, 1]
    assert versions["results"][0]["note"] == "renamed"
    bad = client.put(
        f"/api/v1/flows/{tree.pk}", envelope(tree_structure={"steps": []}, tree_type="procedural"), format="json"
    )
    assert bad.status_code == 400 and bad.json() == {"tree_structure": ["root.steps: needs at least one step"]}


def test_put_against_a_stale_version_gets_409_naming_both(api_as, northwind_admin, northwind):
    tree = TreeFactory(account=northwind)
    client = api_as(northwind_admin)
    client.put(f"/api/v1/flows/{tree.pk}", envelope(), format="json")

    response = client.put(f"/api/v1/flows/{tree.pk}", envelope(expected_version=1), format="json")

    assert response.status_code == 409
    assert response.json()["expected_version"] == 1 and response.json()["current_version"] == 2


def test_delete_archives_the_flow(api_as, northwind_admin, northwind):
    tree = TreeFactory(account=northwind)

    assert api_as(northwind_admin).delete(f"/api/v1/flows/{tree.pk}").status_code == 204

    tree.refresh_from_db()
    assert tree.status == TreeStatus.ARCHIVED
    assert api_as(northwind_admin).get("/api/v1/flows").json()["count"] == 0


def test_the_list_filters_and_sorts(api_as, northwind_engineer, northwind):
    TreeFactory(account=northwind, name="B printer", problem_domain="printing")
    TreeFactory(account=northwind, name="A lockout", problem_domain="active_directory")
    client = api_as(northwind_engineer)

    assert [f["name"] for f in client.get("/api/v1/flows").json()["results"]] == ["A lockout", "B printer"]
    printing = client.get("/api/v1/flows?problem_domain=printing").json()
    assert [f["name"] for f in printing["results"]] == ["B printer"]
    assert client.get("/api/v1/flows?q=printer").json()["count"] == 1


def test_the_list_keeps_a_constant_number_of_queries(
    api_as, northwind_engineer, northwind, django_assert_max_num_queries
):
    for _ in range(3):
        TreeFactory(account=northwind)
    client = api_as(northwind_engineer)
    with django_assert_max_num_queries(4) as few:
        client.get("/api/v1/flows")
    for _ in range(10):
        TreeFactory(account=northwind)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/api/v1/flows").json()["count"] == 13


def test_match_returns_scored_flows_and_a_tier(api_as, northwind_engineer, northwind):
    TreeFactory(
        account=northwind,
        name="AD account lockout",
        description="User account locked out in Active Directory; unlock and find the source",
        match_keywords=["locked out", "account locked", "4740"],
    )
    TreeFactory(
        account=northwind,
        name="Printer offline",
        problem_domain="printing",
        description="Print jobs stuck, printer shows offline",
        match_keywords=["spooler"],
    )

    response = api_as(northwind_engineer).post(
        "/api/v1/flows/match", {"text": "user can't sign in, says account locked"}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["matches"][0]["name"] == "AD account lockout"
    assert body["matches"][0]["score"] > body["matches"][1]["score"]
    assert body["confidence_tier"] in {"guided", "exploring", "discovery"}


def test_match_needs_text(api_as, northwind_engineer):
    response = api_as(northwind_engineer).post("/api/v1/flows/match", {"text": ""}, format="json")

    assert response.status_code == 400 and "text" in response.json()


@pytest.mark.parametrize("method,suffix", [("get", ""), ("put", ""), ("delete", ""), ("get", "/versions")])
def test_another_account_gets_404_on_every_flow_url(contoso_owner, northwind, method, suffix):
    tree = TreeFactory(account=northwind)

    assert_foreign_404(contoso_owner, f"/api/v1/flows/{tree.pk}{suffix}", method=method, data=envelope())


def test_match_never_returns_another_accounts_flows(api_as, contoso_owner, northwind):
    TreeFactory(account=northwind, name="AD account lockout")

    body = api_as(contoso_owner).post("/api/v1/flows/match", {"text": "account lockout"}, format="json").json()

    assert body == {"matches": [], "confidence_tier": "discovery"}
