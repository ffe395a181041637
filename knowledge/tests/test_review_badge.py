"""The sidebar's Review Queue badge follows every action that changes the pending count, in the same response.

An htmx review action (approve, dismiss, reject, a refusal because someone else reviewed it first) and the
editor's Publish of a proposal draft send `{"nav-badges": {"counts": {"review_queue": n}}}` in HX-Trigger;
static/js/app.js draws it into the badge, which the sidebar always carries (hidden at 0).
"""

import pytest

from knowledge import review
from knowledge.models import FlowDraft
from knowledge.tests.factories import ProposalFactory
from resolutionflow.testing import HTMX, hx_triggers
from resolutionflow.tests.factories import TeamFactory


@pytest.fixture
def three_pending(northwind_engineer):
    return [ProposalFactory(engineer=northwind_engineer, title=f"Pending {n}") for n in range(3)]


def badge_count(response) -> int:
    return hx_triggers(response)["nav-badges"]["counts"]["review_queue"]


def sidebar_badge(html: str) -> str:
    return html.split('data-nav-badge="review_queue"')[1].split("</span></span>")[0]


def test_the_sidebar_carries_the_badge_with_the_count(team_admin_client, three_pending):
    badge = sidebar_badge(team_admin_client.get("/").content.decode())

    assert not badge.startswith(" hidden") and badge.endswith('>3<span class="sr-only"> pending')


def test_the_sidebar_carries_a_hidden_badge_at_zero_so_a_count_can_arrive(team_admin_client):
    badge = sidebar_badge(team_admin_client.get("/").content.decode())

    assert badge.startswith(" hidden ") and badge.endswith('>0<span class="sr-only"> pending')


@pytest.mark.parametrize("action, data", [("approve", {}), ("dismiss", {}), ("reject", {"reviewer_notes": "No"})])
def test_a_review_action_sends_the_new_count_with_its_toast(team_admin_client, three_pending, action, data):
    response = team_admin_client.post(f"/review/{three_pending[0].pk}/{action}/", data, **HTMX)

    assert response.status_code == 200
    assert badge_count(response) == 2 and "toast" in hx_triggers(response)


def test_already_reviewed_elsewhere_sends_the_count_that_moved(team_admin_client, three_pending, northwind_owner):
    review.review_proposal(three_pending[0], reviewer=northwind_owner, action="dismiss")

    response = team_admin_client.post(f"/review/{three_pending[0].pk}/approve/", {}, **HTMX)

    assert response.status_code == 409 and badge_count(response) == 2


def test_the_count_is_the_reviewers_own(client, northwind, northwind_engineer, three_pending, northwind_admin):
    other_team = TeamFactory(account=northwind)
    ProposalFactory(engineer=northwind_engineer, team=other_team, title="Another team's")
    client.force_login(northwind_admin)

    response = client.post(f"/review/{three_pending[0].pk}/dismiss/", {}, **HTMX)

    assert badge_count(response) == 2  # the other team's proposal is not this team admin's to review


def test_publishing_a_proposal_draft_in_the_editor_sends_the_new_count(team_admin_client, three_pending):
    team_admin_client.post(f"/review/{three_pending[0].pk}/edit/", {}, **HTMX)
    draft = FlowDraft.objects.get()

    response = team_admin_client.post(f"/flows/drafts/{draft.pk}/publish/", {"note": "Checked"}, **HTMX)

    assert response.status_code == 200 and response["HX-Redirect"].startswith("/review/")
    assert badge_count(response) == 2


def test_publishing_a_proposal_draft_reviewed_meanwhile_sends_the_count(
    team_admin_client, three_pending, northwind_owner
):
    team_admin_client.post(f"/review/{three_pending[0].pk}/edit/", {}, **HTMX)
    draft = FlowDraft.objects.get()
    review.review_proposal(three_pending[0], reviewer=northwind_owner, action="dismiss")

    response = team_admin_client.post(f"/flows/drafts/{draft.pk}/publish/", {"note": "Checked"}, **HTMX)

    assert response.status_code == 409 and badge_count(response) == 2


def test_a_plain_form_post_redirects_and_the_next_page_draws_the_count(team_admin_client, three_pending):
    response = team_admin_client.post(f"/review/{three_pending[0].pk}/dismiss/", {})

    assert response.status_code == 302 and "HX-Trigger" not in response
    page = team_admin_client.get(response["Location"]).content.decode()
    assert sidebar_badge(page).endswith('>2<span class="sr-only"> pending')
