import threading

import pytest
from django.db import connection

from knowledge import services
from knowledge.models import FlowProposal, Tree
from knowledge.tests.factories import ProposalFactory, QuestionTreeFactory, TreeFactory, envelope
from resolutionflow.testing import HTMX, assert_foreign_404, toast_of
from resolutionflow.tests.factories import UserFactory


@pytest.fixture
def proposal(northwind_engineer):
    return ProposalFactory(engineer=northwind_engineer, title="Plotter prints blank pages")


@pytest.fixture
def enhancement(northwind_engineer, northwind):
    flow = TreeFactory(account=northwind, name="Printer offline")
    changed = {**flow.envelope(), "tree_structure": QuestionTreeFactory(options=("Yes", "No", "Paper jam"))}
    return ProposalFactory(
        engineer=northwind_engineer,
        proposal_type="enhancement",
        target_flow=flow,
        target_flow_version=flow.version,
        proposed_flow_data=changed,
        title="Add paper jam",
    )


def review(client, proposal, **body):
    return client.post(f"/api/v1/flow-proposals/{proposal.pk}/review", body, format="json")


def test_approving_a_new_flow_publishes_it(api_as, northwind_admin, proposal):
    response = review(api_as(northwind_admin), proposal, action="approve", reviewer_notes="Looks right")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "approved" and body["reviewer_notes"] == "Looks right"
    assert body["reviewed_by"] == str(northwind_admin.pk) and body["reviewed_at"]
    tree = Tree.objects.get(pk=body["published_flow_id"])
    assert (tree.status, tree.origin, tree.version, tree.name) == (
        "published",
        "ai_generated",
        1,
        "Plotter prints blank pages",
    )
    assert tree.source_session_id == proposal.source_session_id and tree.embedding is not None


def test_approving_an_enhancement_is_refused_with_400(api_as, northwind_admin, enhancement):
    response = review(api_as(northwind_admin), enhancement, action="approve")

    assert response.status_code == 400 and "modify" in response.json()["action"][0]
    assert FlowProposal.objects.get(pk=enhancement.pk).status == "pending"


def test_modify_publishes_an_enhancement_as_a_new_version_of_the_target(api_as, northwind_admin, enhancement):
    data = enhancement.proposed_flow_data

    body = review(api_as(northwind_admin), enhancement, action="modify", modified_flow_data=data).json()

    flow = enhancement.target_flow
    flow.refresh_from_db()
    assert body["status"] == "modified" and body["published_flow_id"] == str(flow.pk)
    assert flow.version == 2 and flow.origin == "ai_enhanced"
    assert [c["label"] for c in flow.tree_structure["children"]] == ["Yes", "No", "Paper jam"]
    assert flow.versions.get(version=2).origin == "ai_enhanced"


def test_modify_accepts_a_bare_tree_for_a_new_flow(api_as, northwind_admin, proposal):
    body = review(
        api_as(northwind_admin),
        proposal,
        action="modify",
        modified_flow_data=QuestionTreeFactory(options=("Blank", "Streaky")),
    ).json()

    tree = Tree.objects.get(pk=body["published_flow_id"])
    assert tree.name == "Plotter prints blank pages" and tree.tree_structure["children"][1]["label"] == "Streaky"


def test_modify_against_a_changed_target_is_409_unless_forced(api_as, northwind_admin, enhancement):
    flow = enhancement.target_flow
    services.publish_tree(flow, flow.envelope(), author=northwind_admin, note="someone else")
    client = api_as(northwind_admin)

    stale = review(client, enhancement, action="modify", modified_flow_data=enhancement.proposed_flow_data)
    assert stale.status_code == 409
    assert stale.json()["expected_version"] == 1 and stale.json()["current_version"] == 2

    forced = review(client, enhancement, action="modify", modified_flow_data=enhancement.proposed_flow_data, force=True)
    assert forced.status_code == 200
    flow.refresh_from_db()
    assert flow.version == 3


def test_an_invalid_tree_is_400_with_the_path(api_as, northwind_admin, proposal):
    bad = QuestionTreeFactory(options=("Only",))

    response = review(api_as(northwind_admin), proposal, action="modify", modified_flow_data=bad)

    assert response.status_code == 400
    assert response.json() == {"tree_structure": ["root: question needs 2-5 children"]}
    assert FlowProposal.objects.get(pk=proposal.pk).status == "pending" and not Tree.objects.exists()


def test_reject_keeps_the_reason_and_changes_no_flow(api_as, northwind_admin, enhancement):
    body = review(api_as(northwind_admin), enhancement, action="reject", reviewer_notes="Wrong printer").json()

    assert body["status"] == "rejected" and body["reviewer_notes"] == "Wrong printer"
    assert Tree.objects.get(pk=enhancement.target_flow_id).version == 1


def test_dismiss_parks_it_with_its_support(api_as, northwind_admin, proposal):
    body = review(api_as(northwind_admin), proposal, action="dismiss").json()

    assert body["status"] == "dismissed"
    assert FlowProposal.objects.get(pk=proposal.pk).support_at_dismissal == 1


def test_reviewing_twice_is_409(api_as, northwind_admin, proposal):
    client = api_as(northwind_admin)
    review(client, proposal, action="reject")

    response = review(client, proposal, action="approve")

    assert response.status_code == 409 and response.json()["status"] == "rejected"


@pytest.mark.serial  # threads racing on committed rows
@pytest.mark.django_db(transaction=True)
def test_two_racing_approvals_create_exactly_one_flow(northwind_engineer, northwind_admin, northwind_owner):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    proposal = ProposalFactory(engineer=northwind_engineer)
    statuses = []

    def approve(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
        try:
            statuses.append(review(client, proposal, action="approve").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(u,)) for u in (northwind_admin, northwind_owner)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 409]
    assert Tree.objects.count() == 1


def test_engineers_read_the_queue_but_cannot_review(api_as, northwind_engineer, proposal):
    client = api_as(northwind_engineer)

    assert client.get("/api/v1/flow-proposals").status_code == 200
    assert client.get(f"/api/v1/flow-proposals/{proposal.pk}").status_code == 200
    assert review(client, proposal, action="reject").status_code == 403


def test_a_team_admin_reviews_their_team_and_teamless_proposals_an_owner_all(
    api_as, northwind, northwind_admin, northwind_owner, projects_team
):
    other_team_engineer = UserFactory(account=northwind, team=projects_team)
    theirs = ProposalFactory(engineer=other_team_engineer)
    teamless = ProposalFactory(engineer=UserFactory(account=northwind, team=None))

    assert review(api_as(northwind_admin), theirs, action="reject").status_code == 403
    assert review(api_as(northwind_admin), teamless, action="reject").status_code == 200
    assert review(api_as(northwind_owner), theirs, action="reject").status_code == 200


@pytest.mark.parametrize("suffix,method", [("", "get"), ("/review", "post")])
def test_another_account_gets_404(contoso_owner, proposal, suffix, method):
    assert_foreign_404(
        contoso_owner, f"/api/v1/flow-proposals/{proposal.pk}{suffix}", method=method, data={"action": "reject"}
    )


def test_the_list_hides_reinforcement_records_unless_asked(api_as, northwind_engineer, proposal):
    ProposalFactory(engineer=northwind_engineer, status="auto_reinforced", title="Reinforced: X")
    client = api_as(northwind_engineer)

    assert [p["title"] for p in client.get("/api/v1/flow-proposals").json()["results"]] == [proposal.title]
    reinforced = client.get("/api/v1/flow-proposals?status=auto_reinforced").json()["results"]
    assert [p["title"] for p in reinforced] == ["Reinforced: X"]


def test_the_list_filters_sorts_and_paginates(api_as, northwind_engineer, northwind, enhancement):
    low = ProposalFactory(
        engineer=northwind_engineer, confidence_score=0.2, supporting_session_count=5, problem_domain="vpn", title="Low"
    )
    high = ProposalFactory(engineer=northwind_engineer, confidence_score=0.9, title="High")
    client = api_as(northwind_engineer)

    def titles(query):
        return [p["title"] for p in client.get(f"/api/v1/flow-proposals?{query}").json()["results"]]

    assert titles("proposal_type=enhancement") == ["Add paper jam"]
    assert titles("problem_domain=vpn") == ["Low"]
    assert titles("sort=confidence")[0] == "High"
    assert titles("sort=support")[0] == "Low"
    assert titles("sort=newest")[0] == "High"
    page = client.get("/api/v1/flow-proposals?page_size=2&page=2").json()
    assert page["count"] == 3 and len(page["results"]) == 1
    summary = client.get("/api/v1/flow-proposals?proposal_type=enhancement").json()["results"][0]
    assert summary["target_flow_name"] == "Printer offline"
    assert {
        "id",
        "proposal_type",
        "title",
        "description",
        "problem_domain",
        "confidence_score",
        "supporting_session_count",
        "status",
        "target_flow_id",
        "target_flow_name",
        "source_session_id",
        "created_at",
    } == set(summary)
    assert low and high


def test_stats_count_the_week(api_as, northwind_admin, northwind_engineer, proposal):
    client = api_as(northwind_admin)
    rejected = ProposalFactory(engineer=northwind_engineer, problem_domain="vpn")
    review(client, rejected, action="reject")
    ProposalFactory(engineer=northwind_engineer, status="auto_reinforced")

    stats = client.get("/api/v1/flow-proposals/stats").json()

    assert stats["pending_count"] == 1 and stats["rejected_this_week"] == 1
    assert stats["auto_reinforced_this_week"] == 1 and stats["approved_this_week"] == 0
    assert stats["top_domains"] == [{"domain": "printing", "count": 1}]


def test_the_list_keeps_a_constant_number_of_queries_with_10000_proposals(
    api_as, northwind_engineer, proposal, django_assert_max_num_queries
):
    client = api_as(northwind_engineer)
    with django_assert_max_num_queries(8) as few:
        client.get("/api/v1/flow-proposals")
    queries_for_one = len(few)
    FlowProposal.objects.bulk_create(
        [
            FlowProposal(
                account=proposal.account,
                team=proposal.team,
                source_session=proposal.source_session,
                proposal_type="new_flow",
                title=f"P{i}",
                proposed_flow_data=envelope(f"P{i}"),
                supporting_session_ids=[],
                problem_domain="printing",
            )
            for i in range(10_000)
        ]
    )

    with django_assert_max_num_queries(queries_for_one):
        body = client.get("/api/v1/flow-proposals?page_size=500").json()
    assert body["count"] == 10_001 and len(body["results"]) == 500


def test_publishing_a_proposal_draft_returns_to_the_queue_and_a_stale_review_is_refused(
    client, northwind_admin, northwind_owner, proposal
):
    from knowledge import review

    client.force_login(northwind_admin)
    draft = review.start_review_draft(proposal, northwind_admin)
    response = client.post(f"/flows/drafts/{draft.pk}/publish/", {"note": "ok"})
    assert response.status_code == 302 and response["Location"].startswith("/review/?tab=approved&proposal=")

    other = ProposalFactory(engineer=proposal.source_session.engineer)
    stale_draft = review.start_review_draft(other, northwind_admin)
    review.review_proposal(other, reviewer=northwind_owner, action="reject")
    refused = client.post(f"/flows/drafts/{stale_draft.pk}/publish/", {"note": "late"}, **HTMX)
    assert refused.status_code == 409 and "already reviewed" in toast_of(refused)["message"]


def test_a_replaced_root_is_described_not_crashed():
    from knowledge.presentation import structure_changes

    changes = structure_changes(QuestionTreeFactory(prefix="a"), QuestionTreeFactory(prefix="b"))

    assert changes["lines"] == ["Replaced the whole flow"]
