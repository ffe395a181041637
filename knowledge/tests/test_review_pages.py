import re
from datetime import timedelta

import pytest
from django.utils import timezone

from flowpilot.tests.factories import AISessionFactory
from knowledge.models import DraftSource, FlowDraft, FlowProposal, Tree
from knowledge.tests.factories import ProposalFactory, QuestionTreeFactory, TreeFactory, envelope
from resolutionflow.testing import HTMX, assert_foreign_404, toast_of
from resolutionflow.tests.factories import UserFactory


@pytest.fixture
def proposal(northwind_engineer):
    return ProposalFactory(engineer=northwind_engineer, title="Plotter prints blank pages", confidence_score=0.8523)


@pytest.fixture
def enhancement(northwind_engineer, northwind):
    flow = TreeFactory(account=northwind, name="Printer offline", problem_domain="printing")
    changed = {**flow.envelope(), "tree_structure": QuestionTreeFactory(options=("Yes", "No", "Paper jam"))}
    return ProposalFactory(
        engineer=northwind_engineer,
        proposal_type="enhancement",
        target_flow=flow,
        target_flow_version=flow.version,
        proposed_flow_data=changed,
        title="Add paper jam",
        description="Engineers kept answering 'paper jam' in free text.",
    )


def status_of(proposal):
    return FlowProposal.objects.get(pk=proposal.pk).status


# ── The queue ───────────────────────────────────────────────────────────────────────────────────────


def test_the_queue_lists_pending_proposals_with_their_facts(team_admin_client, proposal, enhancement):
    response = team_admin_client.get("/review/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Plotter prints blank pages" in html and "Add paper jam" in html
    assert "85.2 %" in html and 'data-kind="new_flow"' in html and 'data-kind="enhancement"' in html
    assert "on Printer offline" in html and "1 session" in html


def test_the_tabs_show_their_counts_and_approved_holds_modified(team_admin_client, northwind_engineer, proposal):
    ProposalFactory(engineer=northwind_engineer, status="approved", title="Approved one")
    ProposalFactory(engineer=northwind_engineer, status="modified", title="Modified one")
    ProposalFactory(engineer=northwind_engineer, status="rejected", title="Rejected one")
    ProposalFactory(engineer=northwind_engineer, status="auto_reinforced", title="Reinforced record")

    pending = team_admin_client.get("/review/")
    approved = team_admin_client.get("/review/", {"tab": "approved"})
    everything = team_admin_client.get("/review/", {"tab": "all"})

    tabs = {tab["key"]: tab["count"] for tab in pending.context["tabs"]}
    assert tabs == {"pending": 1, "approved": 2, "rejected": 1, "dismissed": 0, "all": 4}
    assert [c["proposal"].title for c in approved.context["cards"]] == ["Modified one", "Approved one"]
    assert "Reinforced record" not in everything.content.decode()
    assert "Plotter prints blank pages" not in approved.content.decode()


def test_the_domain_filter_and_the_sort_live_in_the_url(team_admin_client, northwind_engineer):
    ProposalFactory(engineer=northwind_engineer, title="Low", confidence_score=0.2, supporting_session_count=9)
    ProposalFactory(engineer=northwind_engineer, title="High", confidence_score=0.9)
    ProposalFactory(engineer=northwind_engineer, title="VPN drops", problem_domain="vpn")

    def titles(**query):
        return [card["proposal"].title for card in team_admin_client.get("/review/", query).context["cards"]]

    assert titles(domain="vpn") == ["VPN drops"]
    assert titles(sort="confidence")[0] == "High"
    assert titles(sort="support")[0] == "Low"
    assert titles()[0] == "VPN drops"
    assert titles(domain="nonsense", sort="nonsense")[0] == "VPN drops"


def test_the_tabs_and_cards_link_with_the_filters_kept(team_admin_client, proposal):
    response = team_admin_client.get("/review/", {"domain": "printing", "sort": "confidence"})

    tabs = {tab["key"]: tab["url"] for tab in response.context["tabs"]}
    assert tabs["rejected"] == "/review/?tab=rejected&domain=printing&sort=confidence"
    card = response.context["cards"][0]
    assert card["url"] == f"/review/?domain=printing&sort=confidence&proposal={proposal.pk}"
    assert card["detail_url"] == f"/review/{proposal.pk}/?domain=printing&sort=confidence"
    assert f'href="/review/?domain=printing&amp;sort=confidence&amp;proposal={proposal.pk}"' in (
        response.content.decode()
    )


def test_a_filter_change_over_htmx_answers_the_queue_piece(team_admin_client, proposal):
    response = team_admin_client.get("/review/", {"tab": "approved"}, **HTMX)

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="review-queue"') and "<html" not in html


def test_a_history_restore_gets_the_whole_page(team_admin_client, proposal):
    response = team_admin_client.get("/review/", **HTMX, HTTP_HX_HISTORY_RESTORE_REQUEST="true")

    assert "<html" in response.content.decode()


def test_the_selected_proposal_is_in_the_url(team_admin_client, proposal, enhancement):
    response = team_admin_client.get("/review/", {"proposal": str(proposal.pk)})

    html = response.content.decode()
    assert response.context["proposal"] == proposal
    assert f'id="proposal-card-{proposal.pk}"' in html and 'aria-current="true"' in html
    assert 'id="proposal-title"' in html and "The proposed flow" in html


def test_pages_of_the_list_keep_the_filters(team_admin_client, northwind_engineer, proposal):
    for i in range(30):
        FlowProposal.objects.create(
            account=proposal.account,
            team=proposal.team,
            source_session=proposal.source_session,
            proposal_type="new_flow",
            title=f"Bulk {i}",
            proposed_flow_data=envelope(f"Bulk {i}"),
            problem_domain="printing",
        )

    first = team_admin_client.get("/review/", {"domain": "printing"})
    second = team_admin_client.get("/review/", {"domain": "printing", "page": 2})

    assert len(first.context["cards"]) == 25 and len(second.context["cards"]) == 6
    assert first.context["next_url"] == "/review/?domain=printing&page=2"


# ── The detail panel ────────────────────────────────────────────────────────────────────────────────


def test_a_new_flow_is_drawn_with_its_open_ends(team_admin_client, northwind_engineer):
    tree = QuestionTreeFactory(options=("Blank", "Streaky"))
    tree["children"][1]["open"] = True
    proposal = ProposalFactory(engineer=northwind_engineer, proposed_flow_data=envelope(tree_structure=tree))

    response = team_admin_client.get(f"/review/{proposal.pk}/", **HTMX)

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="proposal-detail"') and "<html" not in html
    assert "Is the account locked out?" in html and "Open end — not yet explored" in html
    assert f"/sessions/{proposal.source_session_id}/view/" in html


def test_an_enhancement_shows_its_diff_on_the_target_flow(team_admin_client, enhancement):
    response = team_admin_client.get(f"/review/{enhancement.pk}/", **HTMX)

    html = response.content.decode()
    assert "The change to “Printer offline”" in html and "on version 1" in html
    assert "border-emerald-300 bg-emerald-50" in html and ">Added</p>" in html
    assert "Paper jam" in html and "Engineers kept answering" in html
    assert response.context["changes"]["lines"]


def test_a_removed_node_is_shown_in_red(team_admin_client, northwind_engineer, northwind):
    flow = TreeFactory(account=northwind, name="Scanner", tree_structure=QuestionTreeFactory(options=("A", "B", "C")))
    proposal = ProposalFactory(
        engineer=northwind_engineer,
        proposal_type="enhancement",
        target_flow=flow,
        target_flow_version=1,
        proposed_flow_data={**flow.envelope(), "tree_structure": QuestionTreeFactory(options=("A", "B"))},
    )

    html = team_admin_client.get(f"/review/{proposal.pk}/", **HTMX).content.decode()

    assert "border-red-200 bg-red-50" in html and "Removed:" in html


def test_supporting_sessions_are_listed_and_linked(team_admin_client, northwind_engineer, proposal):
    others = AISessionFactory.create_batch(2, engineer=northwind_engineer, problem_summary="Plotter blank again")
    proposal.supporting_session_ids = [str(proposal.source_session_id)] + [str(s.pk) for s in others] + ["junk"]
    proposal.supporting_session_count = 3
    proposal.save()

    html = team_admin_client.get(f"/review/{proposal.pk}/", **HTMX).content.decode()

    assert "Supporting sessions" in html and html.count("Plotter blank again") == 2
    for session in others:
        assert f"/sessions/{session.pk}/view/" in html


def test_a_direct_visit_to_a_proposal_is_the_whole_queue_page(team_admin_client, proposal):
    response = team_admin_client.get(f"/review/{proposal.pk}/")

    html = response.content.decode()
    assert "<html" in html and 'id="review-tabs"' in html and 'id="proposal-title"' in html


def test_a_reviewed_proposal_shows_its_outcome_and_no_actions(team_admin_client, northwind_engineer, northwind_admin):
    proposal = ProposalFactory(
        engineer=northwind_engineer,
        status="rejected",
        reviewer_notes="Wrong printer",
        reviewed_by=northwind_admin,
        reviewed_at=timezone.now() - timedelta(hours=2),
    )

    html = team_admin_client.get(f"/review/{proposal.pk}/", **HTMX).content.decode()

    assert "Wrong printer" in html and "Rejected by" in html
    assert "Approve &amp; Publish" not in html and "Reject…" not in html


# ── Actions ─────────────────────────────────────────────────────────────────────────────────────────


def test_approving_a_new_flow_publishes_it_and_redraws_the_panel_the_card_and_the_tabs(team_admin_client, proposal):
    response = team_admin_client.post(
        f"/review/{proposal.pk}/approve/", {"reviewer_notes": "Good", "tab": "pending", "listed": "1"}, **HTMX
    )

    html = response.content.decode()
    flow = Tree.objects.get(name="Plotter prints blank pages")
    assert response.status_code == 200 and status_of(proposal) == "approved"
    assert flow.origin == "ai_generated" and flow.status == "published"
    assert toast_of(response) == {
        "level": "success",
        "message": "Published “Plotter prints blank pages” as a new flow.",
    }
    assert html.lstrip().startswith('<section id="proposal-detail"') and f"/flows/{flow.pk}/" in html
    assert f'id="proposal-card-{proposal.pk}"' in html and html.count('hx-swap-oob="true"') == 2
    assert FlowProposal.objects.get(pk=proposal.pk).reviewer_notes == "Good"


def test_an_action_leaves_out_the_card_when_it_is_not_in_the_list(team_admin_client, proposal):
    response = team_admin_client.post(f"/review/{proposal.pk}/dismiss/", {}, **HTMX)

    html = response.content.decode()
    assert f'id="proposal-card-{proposal.pk}"' not in html and 'id="review-tabs"' in html


def test_approve_without_javascript_redirects_back_to_the_queue_with_a_message(team_admin_client, proposal):
    response = team_admin_client.post(
        f"/review/{proposal.pk}/approve/", {"tab": "pending", "domain": "printing"}, follow=True
    )

    assert response.redirect_chain == [(f"/review/?domain=printing&proposal={proposal.pk}", 302)]
    assert "Published “Plotter prints blank pages” as a new flow." in response.content.decode()


def test_approve_is_hidden_for_an_enhancement(team_admin_client, enhancement):
    html = team_admin_client.get(f"/review/{enhancement.pk}/", **HTMX).content.decode()

    assert "Approve &amp; Publish" not in html and "Edit &amp; Publish" in html and "Reject…" in html


def test_approving_an_enhancement_is_refused_with_a_warning(team_admin_client, enhancement):
    response = team_admin_client.post(f"/review/{enhancement.pk}/approve/", {}, **HTMX)

    assert response.status_code == 422 and response.content == b""
    assert toast_of(response)["level"] == "warning" and "Edit & Publish" in toast_of(response)["message"]
    assert status_of(enhancement) == "pending"


def test_approving_an_invalid_tree_is_refused_and_points_to_the_editor(team_admin_client, northwind_engineer):
    proposal = ProposalFactory(
        engineer=northwind_engineer, proposed_flow_data=envelope(tree_structure=QuestionTreeFactory(options=("One",)))
    )

    response = team_admin_client.post(f"/review/{proposal.pk}/approve/", {}, **HTMX)

    assert response.status_code == 422 and "Edit & Publish" in toast_of(response)["message"]
    assert status_of(proposal) == "pending" and not Tree.objects.exists()


def test_reject_keeps_the_reason(team_admin_client, enhancement):
    response = team_admin_client.post(f"/review/{enhancement.pk}/reject/", {"reviewer_notes": "Wrong printer"}, **HTMX)

    assert response.status_code == 200 and status_of(enhancement) == "rejected"
    assert FlowProposal.objects.get(pk=enhancement.pk).reviewer_notes == "Wrong printer"
    assert "Wrong printer" in response.content.decode()
    assert Tree.objects.get(pk=enhancement.target_flow_id).version == 1


def test_reject_without_a_reason_is_refused(team_admin_client, proposal):
    response = team_admin_client.post(f"/review/{proposal.pk}/reject/", {"reviewer_notes": "  "}, **HTMX)

    assert response.status_code == 422 and toast_of(response)["level"] == "warning"
    assert status_of(proposal) == "pending"


def test_dismiss_parks_the_proposal(team_admin_client, proposal):
    response = team_admin_client.post(f"/review/{proposal.pk}/dismiss/", {"listed": "1"}, **HTMX)

    assert response.status_code == 200 and status_of(proposal) == "dismissed"
    assert toast_of(response)["message"].startswith("Dismissed.")
    assert "comes back to the queue" in response.content.decode()


@pytest.mark.parametrize("action", ["approve", "dismiss", "reject", "edit"])
def test_an_already_reviewed_proposal_answers_409_with_a_warning_and_swaps_nothing(team_admin_client, proposal, action):
    FlowProposal.objects.filter(pk=proposal.pk).update(status="rejected")

    response = team_admin_client.post(f"/review/{proposal.pk}/{action}/", {"reviewer_notes": "why"}, **HTMX)

    assert response.status_code == 409 and response.content == b""
    assert toast_of(response) == {"level": "warning", "message": "This proposal was already reviewed."}
    assert status_of(proposal) == "rejected" and not FlowDraft.objects.exists()


def test_an_already_reviewed_proposal_without_javascript_returns_to_the_queue_with_a_warning(
    team_admin_client, proposal
):
    FlowProposal.objects.filter(pk=proposal.pk).update(status="approved")

    response = team_admin_client.post(f"/review/{proposal.pk}/dismiss/", {}, follow=True)

    assert "This proposal was already reviewed." in response.content.decode()
    assert status_of(proposal) == "approved"


def test_edit_and_publish_opens_the_editor_on_a_draft_of_the_proposal(team_admin_client, proposal):
    response = team_admin_client.post(f"/review/{proposal.pk}/edit/", {}, **HTMX)

    draft = FlowDraft.objects.get()
    assert response.status_code == 200 and response["HX-Redirect"] == f"/flows/drafts/{draft.pk}/edit/"
    assert (draft.source_kind, draft.source_id, draft.target_flow) == (DraftSource.PROPOSAL, str(proposal.pk), None)
    editor = team_admin_client.get(response["HX-Redirect"])
    assert editor.status_code == 200 and "Plotter prints blank pages" in editor.content.decode()


def test_edit_and_publish_of_an_enhancement_drafts_the_target_with_the_change(team_admin_client, enhancement):
    response = team_admin_client.post(f"/review/{enhancement.pk}/edit/")

    draft = FlowDraft.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/flows/drafts/{draft.pk}/edit/"
    assert draft.target_flow_id == enhancement.target_flow_id and draft.target_version == 1
    assert [c["label"] for c in draft.envelope["tree_structure"]["children"]] == ["Yes", "No", "Paper jam"]


def test_publishing_the_draft_reviews_the_proposal_as_modified(team_admin_client, enhancement):
    team_admin_client.post(f"/review/{enhancement.pk}/edit/")
    draft = FlowDraft.objects.get()

    team_admin_client.post(f"/flows/drafts/{draft.pk}/publish/", {"note": "Checked it"})

    flow = Tree.objects.get(pk=enhancement.target_flow_id)
    assert status_of(enhancement) == "modified" and flow.version == 2 and flow.origin == "ai_enhanced"
    approved_tab = team_admin_client.get("/review/", {"tab": "approved"})
    assert [card["proposal"].pk for card in approved_tab.context["cards"]] == [enhancement.pk]


# ── Who may review ──────────────────────────────────────────────────────────────────────────────────


def test_engineers_read_the_queue_without_actions(client, northwind_engineer, proposal):
    client.force_login(northwind_engineer)

    queue = client.get("/review/")
    detail = client.get(f"/review/{proposal.pk}/", **HTMX).content.decode()

    assert queue.status_code == 200 and "Plotter prints blank pages" in queue.content.decode()
    assert "Approve &amp; Publish" not in detail and "Edit &amp; Publish" not in detail and "Dismiss" not in detail
    assert "Team admins and owners review proposals" in detail


@pytest.mark.parametrize("action", ["approve", "reject", "dismiss", "edit"])
def test_engineers_get_403_on_every_action(client, northwind_engineer, proposal, action):
    client.force_login(northwind_engineer)

    response = client.post(f"/review/{proposal.pk}/{action}/", {"reviewer_notes": "no"})

    assert response.status_code == 403 and status_of(proposal) == "pending"
    assert not FlowDraft.objects.exists()


def test_a_team_admin_cannot_review_another_teams_proposal(client, northwind, northwind_admin, projects_team):
    theirs = ProposalFactory(engineer=UserFactory(account=northwind, team=projects_team))
    client.force_login(northwind_admin)

    detail = client.get(f"/review/{theirs.pk}/", **HTMX).content.decode()
    response = client.post(f"/review/{theirs.pk}/dismiss/")

    assert "Another team's proposal" in detail and "Dismiss</button>" not in detail
    assert response.status_code == 403 and status_of(theirs) == "pending"


def test_an_owner_reviews_any_teams_proposal(client, northwind, northwind_owner, projects_team):
    theirs = ProposalFactory(engineer=UserFactory(account=northwind, team=projects_team))
    client.force_login(northwind_owner)

    response = client.post(f"/review/{theirs.pk}/dismiss/", {}, **HTMX)

    assert response.status_code == 200 and status_of(theirs) == "dismissed"


@pytest.mark.parametrize(
    "suffix, method", [("", "get"), ("approve/", "post"), ("reject/", "post"), ("dismiss/", "post"), ("edit/", "post")]
)
def test_another_account_gets_404(contoso_owner, proposal, suffix, method):
    assert_foreign_404(contoso_owner, f"/review/{proposal.pk}/{suffix}", method=method, data={"reviewer_notes": "x"})


def test_another_accounts_proposal_in_the_url_is_404(client, contoso_owner, proposal):
    client.force_login(contoso_owner)

    assert client.get("/review/", {"proposal": str(proposal.pk)}).status_code == 404
    assert client.get("/review/", {"proposal": "not-a-uuid"}).status_code == 404


def test_the_sidebar_counts_what_the_reviewer_may_review(client, northwind, northwind_admin, projects_team, proposal):
    ProposalFactory(engineer=UserFactory(account=northwind, team=projects_team))
    client.force_login(northwind_admin)

    html = client.get("/review/").content.decode()

    badge = re.search(r'Review Queue</span>\s*<span[^>]*>(\d+)<span class="sr-only"> pending', html)
    assert badge and badge.group(1) == "1"


# ── Scale ───────────────────────────────────────────────────────────────────────────────────────────


def test_the_queue_keeps_a_constant_number_of_queries_with_10000_proposals(
    team_admin_client, proposal, django_assert_max_num_queries
):
    url = f"/review/?proposal={proposal.pk}"
    with django_assert_max_num_queries(15) as few:
        team_admin_client.get(url)
    queries_for_one = len(few)
    FlowProposal.objects.bulk_create(
        [
            FlowProposal(
                account=proposal.account,
                team=proposal.team,
                source_session=proposal.source_session,
                proposal_type="new_flow" if i % 2 else "enhancement",
                title=f"P{i}",
                proposed_flow_data=envelope(f"P{i}"),
                supporting_session_ids=[],
                problem_domain="printing",
                status="pending" if i % 3 else "rejected",
            )
            for i in range(10_000)
        ]
    )

    with django_assert_max_num_queries(queries_for_one):
        response = team_admin_client.get(url)
    assert response.context["proposals"].paginator.count == 6_667
    assert len(response.context["cards"]) == 25


def test_an_enhancement_with_a_new_root_is_drawn_whole(team_admin_client, northwind_engineer, northwind):
    flow = TreeFactory(account=northwind, name="Scanner")
    proposal = ProposalFactory(
        engineer=northwind_engineer,
        proposal_type="enhancement",
        target_flow=flow,
        target_flow_version=1,
        proposed_flow_data={**flow.envelope(), "tree_structure": QuestionTreeFactory(prefix="other")},
    )

    html = team_admin_client.get(f"/review/{proposal.pk}/", **HTMX).content.decode()

    assert "replaces the whole of “Scanner”" in html and "Is the account locked out?" in html
