"""Publishing into a flow needs edit rights on that flow, whatever the path (API, pages, editor, review).

The story: an engineer of the Service Desk walks the Projects team's flow and leaves it with free text; the
enhancement belongs to Projects, and the Service Desk's admin can publish neither it nor anything else into
the Projects flow. The owner can.
"""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied

from flowpilot import engine
from flowpilot.analysis_queue import analyze
from flowpilot.models import AISession
from flowpilot.tests.factories import LOCKOUT_INTAKE, lockout_flow
from knowledge import review, services
from knowledge.models import DraftSource, FlowProposal, Tree
from knowledge.tests.factories import ProposalFactory, QuestionTreeFactory, TreeFactory, envelope
from resolutionflow.models import Role
from resolutionflow.tests.factories import UserFactory


@pytest.fixture
def projects_flow(northwind, projects_team):
    return lockout_flow(northwind, team=projects_team)


@pytest.fixture
def projects_admin(northwind, projects_team):
    return UserFactory(email="lead@projects.test", account=northwind, team=projects_team, role=Role.TEAM_ADMIN)


@pytest.fixture
def cross_team_enhancement(northwind_engineer, projects_flow, service_desk):
    """An enhancement of the Projects flow carrying the session's team, as proposals were made before the fix."""
    changed = {**projects_flow.envelope(), "tree_structure": QuestionTreeFactory(options=("Yes", "No", "Expired"))}
    return ProposalFactory(
        engineer=northwind_engineer,
        team=service_desk,
        proposal_type="enhancement",
        target_flow=projects_flow,
        target_flow_version=projects_flow.version,
        proposed_flow_data=changed,
        title="Add expired password",
    )


def versions(flow) -> int:
    return Tree.objects.get(pk=flow.pk).version


def test_a_walk_of_another_teams_flow_proposes_an_enhancement_for_that_team(
    northwind_engineer, projects_flow, projects_team
):
    session = engine.start_session(northwind_engineer, LOCKOUT_INTAKE)
    engine.answer_step(session, free_text="Password expired over the weekend")
    engine.answer_step(session, free_text="Reset it in ADUC", result="Signed in")
    engine.resolve_session(session, resolution_summary="Reset the expired password")

    proposal = analyze(AISession.objects.get(pk=session.pk)).proposal

    assert proposal.proposal_type == "enhancement" and proposal.target_flow == projects_flow
    assert proposal.team == projects_team and session.team != projects_team


def test_a_reinforcement_record_belongs_to_the_flows_team(northwind_engineer, projects_flow, projects_team):
    session = engine.start_session(northwind_engineer, LOCKOUT_INTAKE)
    engine.answer_step(session, selected_option="No")
    engine.resolve_session(session, resolution_summary="Reset the password")

    record = analyze(AISession.objects.get(pk=session.pk)).proposal

    assert record.status == "auto_reinforced" and record.team == projects_team


def test_modify_by_another_teams_admin_is_403_and_publishes_nothing(
    api_as, northwind_admin, cross_team_enhancement, projects_flow
):
    response = api_as(northwind_admin).post(
        f"/api/v1/flow-proposals/{cross_team_enhancement.pk}/review",
        {"action": "modify", "modified_flow_data": cross_team_enhancement.proposed_flow_data},
        format="json",
    )

    assert response.status_code == 403
    assert versions(projects_flow) == 1
    assert FlowProposal.objects.get(pk=cross_team_enhancement.pk).status == "pending"


@pytest.mark.parametrize("reviewer", ["projects_admin", "northwind_owner"])
def test_the_target_teams_admin_and_the_owner_may_publish_it(
    request, api_as, reviewer, cross_team_enhancement, projects_flow
):
    response = api_as(request.getfixturevalue(reviewer)).post(
        f"/api/v1/flow-proposals/{cross_team_enhancement.pk}/review",
        {"action": "modify", "modified_flow_data": cross_team_enhancement.proposed_flow_data},
        format="json",
    )

    assert response.status_code == 200 and versions(projects_flow) == 2


def test_the_review_pages_refuse_another_teams_admin(client, northwind_admin, cross_team_enhancement, projects_flow):
    client.force_login(northwind_admin)

    assert client.post(f"/review/{cross_team_enhancement.pk}/edit/").status_code == 403
    assert client.post(f"/review/{cross_team_enhancement.pk}/dismiss/").status_code == 403
    detail = client.get(f"/review/{cross_team_enhancement.pk}/")
    assert detail.status_code == 200 and detail.context["can_review"] is False
    assert versions(projects_flow) == 1


def test_an_edit_and_publish_draft_cannot_be_published_by_another_teams_admin(
    northwind_admin, northwind_owner, cross_team_enhancement, projects_flow
):
    draft = review.start_review_draft(cross_team_enhancement, northwind_owner)
    draft.author = northwind_admin  # a draft handed over by id is still no right to publish
    draft.save()

    with pytest.raises(PermissionDenied):
        services.publish_draft(draft, author=northwind_admin)
    assert versions(projects_flow) == 1


# Every service that publishes checks rights on the flow it publishes into, so no page or API can skip it.
PUBLISHES = {
    "publish_tree": lambda flow, user: services.publish_tree(flow, flow.envelope(), author=user),
    "restore_version": lambda flow, user: services.restore_version(flow, 1, author=user),
    "create_flow_for_the_team": lambda flow, user: services.create_flow(
        flow.account, envelope("Projects flow"), author=user, team=flow.team
    ),
    "publish_draft_onto_the_flow": lambda flow, user: services.publish_draft(
        services.start_draft(user, flow.envelope(), target_flow=flow), author=user
    ),
    "approve_a_new_flow_for_the_team": lambda flow, user: review.review_proposal(
        ProposalFactory(engineer=user, team=flow.team), reviewer=user, action="approve"
    ),
}


@pytest.mark.parametrize("publish", PUBLISHES.values(), ids=PUBLISHES.keys())
def test_every_publish_service_refuses_a_team_admin_outside_the_flows_team(publish, northwind_admin, projects_flow):
    flows_before = Tree.objects.count()

    with pytest.raises(PermissionDenied):
        publish(projects_flow, northwind_admin)

    assert versions(projects_flow) == 1 and Tree.objects.count() == flows_before


@pytest.mark.parametrize("publish", PUBLISHES.values(), ids=PUBLISHES.keys())
def test_every_publish_service_lets_the_flows_team_admin_publish(publish, projects_admin, projects_flow):
    publish(projects_flow, projects_admin)


def test_engineers_publish_nothing_even_through_the_services(northwind_engineer, northwind):
    flow = TreeFactory(account=northwind)

    with pytest.raises(PermissionDenied):
        services.publish_tree(flow, flow.envelope(), author=northwind_engineer)
    with pytest.raises(PermissionDenied):
        services.create_flow(northwind, envelope(), author=northwind_engineer)


def test_the_editor_and_restore_pages_answer_403_outside_the_flows_team(client, northwind_admin, projects_flow):
    client.force_login(northwind_admin)

    assert client.post(f"/flows/{projects_flow.pk}/restore/1/").status_code == 403
    assert client.post(f"/flows/{projects_flow.pk}/edit/").status_code == 403
    assert versions(projects_flow) == 1


def test_an_import_is_published_into_the_importers_team(client, northwind_admin, service_desk):
    client.force_login(northwind_admin)
    draft = services.start_draft(northwind_admin, envelope("Imported"), source_kind=DraftSource.IMPORT)

    client.post(f"/flows/drafts/{draft.pk}/publish/")

    assert Tree.objects.get(name="Imported").team == service_desk


def test_the_migration_gives_existing_enhancements_their_targets_team(cross_team_enhancement, projects_team):
    migration = importlib.import_module("knowledge.migrations.0007_enhancements_belong_to_target_team")
    new_flow = ProposalFactory(engineer=cross_team_enhancement.source_session.engineer)

    migration.to_target_team(apps, None)

    assert FlowProposal.objects.get(pk=cross_team_enhancement.pk).team == projects_team
    assert FlowProposal.objects.get(pk=new_flow.pk).team == new_flow.source_session.team


def test_moving_a_flow_to_another_team_moves_its_enhancements(cross_team_enhancement, projects_flow, service_desk):
    new_flow = ProposalFactory(engineer=cross_team_enhancement.source_session.engineer, team=None)

    services.move_flow(projects_flow, service_desk)

    assert Tree.objects.get(pk=projects_flow.pk).team == service_desk
    assert FlowProposal.objects.get(pk=cross_team_enhancement.pk).team == service_desk
    assert FlowProposal.objects.get(pk=new_flow.pk).team is None
