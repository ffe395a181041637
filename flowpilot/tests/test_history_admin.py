"""History survives a click in the Django admin: sessions, flows, users and teams are not deleted with what
refers to them; a refused delete explains itself (never a 500); flows are archived; tree JSON is read-only."""

import pytest
from django.db.models import RestrictedError
from django.test import Client

from flowpilot.models import AISession, AISessionStep
from flowpilot.tests.factories import LOCKOUT_INTAKE, AISessionFactory, lockout_flow
from knowledge import matching, services
from knowledge.models import FlowDraft, FlowProposal, Tree, TreeVersion
from knowledge.tests.factories import ProposalFactory, envelope
from resolutionflow.models import Account, Team, User
from resolutionflow.tests.factories import UserFactory
from scripts.models import ScriptGeneration
from scripts.tests.factories import ScriptGenerationFactory


@pytest.fixture
def operator(db):
    user = UserFactory(email="ops@platform.test", account=None, is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def flow(northwind, service_desk):
    return lockout_flow(northwind, team=service_desk)


@pytest.fixture
def approved(northwind_engineer, northwind_owner, flow):
    """An approved proposal whose source session is one of several supporting it."""
    proposal = ProposalFactory(engineer=northwind_engineer)
    other = AISessionFactory(engineer=northwind_engineer)
    FlowProposal.objects.filter(pk=proposal.pk).update(
        status="approved",
        supporting_session_ids=[str(proposal.source_session_id), str(other.pk)],
        supporting_session_count=2,
        published_flow=flow,
    )
    return proposal


def test_a_session_that_proposals_came_from_is_not_deleted(approved):
    session = approved.source_session

    with pytest.raises(RestrictedError):
        session.delete()

    assert FlowProposal.objects.filter(pk=approved.pk, status="approved").exists()


def test_the_admin_offers_no_delete_of_a_session(operator, approved):
    url = f"/admin/flowpilot/aisession/{approved.source_session_id}/delete/"

    assert operator.get(url).status_code == 403
    assert operator.post(url, {"post": "yes"}).status_code == 403
    assert AISession.objects.filter(pk=approved.source_session_id).exists()


def test_a_flow_and_its_versions_are_not_deleted(operator, flow):
    services.publish_tree(flow, {**flow.envelope(), "name": "Renamed"}, author=None)

    assert operator.post(f"/admin/knowledge/tree/{flow.pk}/delete/", {"post": "yes"}).status_code == 403
    with pytest.raises(RestrictedError):
        Tree.objects.get(pk=flow.pk).delete()
    assert TreeVersion.objects.filter(tree=flow).count() == 2


def test_the_admin_archives_a_flow_out_of_matching_and_the_library_keeping_its_history(
    operator, northwind, northwind_engineer, flow
):
    assert matching.match(northwind, LOCKOUT_INTAKE)[0][0] == flow

    response = operator.post(
        "/admin/knowledge/tree/", {"action": "archive", "_selected_action": [str(flow.pk)]}, follow=True
    )

    assert response.status_code == 200 and "1 flow(s) archived" in response.content.decode()
    assert Tree.objects.get(pk=flow.pk).status == "archived"
    assert all(tree != flow for tree, _ in matching.match(northwind, LOCKOUT_INTAKE))
    client = Client()
    client.force_login(northwind_engineer)
    assert flow.name not in client.get("/flows/").content.decode()
    assert TreeVersion.objects.filter(tree=flow).exists()


def test_the_tree_json_is_read_only_in_the_admin(operator, flow):
    page = operator.get(f"/admin/knowledge/tree/{flow.pk}/change/")
    form_fields = page.context["adminform"].form.fields

    assert page.status_code == 200
    assert not {"tree_structure", "name", "match_keywords"} & set(form_fields)

    versions = {"versions-TOTAL_FORMS": "1", "versions-INITIAL_FORMS": "1", "versions-0-id": flow.versions.get().pk}
    saved = operator.post(
        f"/admin/knowledge/tree/{flow.pk}/change/",
        {"tree_structure": '{"id": "x"}', "name": "Hacked", "slug": "", "team": "", **versions},
    )
    assert saved.status_code == 302
    flow.refresh_from_db()
    assert flow.tree_structure["id"] == "root" and flow.name == "AD account locked out"


def test_the_proposal_json_is_read_only_in_the_admin(operator, approved):
    page = operator.get(f"/admin/knowledge/flowproposal/{approved.pk}/change/")

    assert page.status_code == 200
    assert set(page.context["adminform"].form.fields) == {"team"}


def test_a_user_with_drafts_is_not_deleted_and_the_admin_says_to_deactivate(operator, northwind_admin):
    draft = services.start_draft(northwind_admin, envelope("Work in progress"))
    url = f"/admin/resolutionflow/user/{northwind_admin.pk}/delete/"

    page = operator.get(url)
    operator.post(url, {"post": "yes"})

    assert page.status_code == 200 and "Deactivate the user" in page.content.decode()
    assert User.objects.filter(pk=northwind_admin.pk).exists() and FlowDraft.objects.filter(pk=draft.pk).exists()


def test_a_team_with_content_is_not_deleted_and_its_content_keeps_its_team(operator, service_desk, flow, approved):
    url = f"/admin/resolutionflow/team/{service_desk.pk}/delete/"

    page = operator.get(url)
    refused = operator.post(url, {"post": "yes"})

    assert page.status_code == 200 and "Move them to another team first" in page.content.decode()
    assert refused.status_code == 200
    assert Team.objects.filter(pk=service_desk.pk).exists()
    assert Tree.objects.get(pk=flow.pk).team_id == service_desk.pk
    assert FlowProposal.objects.get(pk=approved.pk).team_id == service_desk.pk


def test_the_bulk_delete_of_teams_is_refused_the_same_way(operator, service_desk, flow):
    response = operator.post(
        "/admin/resolutionflow/team/",
        {"action": "delete_selected", "_selected_action": [str(service_desk.pk)], "post": "yes"},
    )

    assert response.status_code == 200 and "Move them to another team first" in response.content.decode()
    assert Team.objects.filter(pk=service_desk.pk).exists()


def test_an_empty_team_is_deleted(operator, projects_team):
    response = operator.post(f"/admin/resolutionflow/team/{projects_team.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302 and not Team.objects.filter(pk=projects_team.pk).exists()


def test_script_generations_are_records_the_admin_does_not_delete(operator, northwind_engineer):
    generation = ScriptGenerationFactory(user=northwind_engineer)

    assert operator.post(f"/admin/scripts/scriptgeneration/{generation.pk}/delete/").status_code == 403
    assert ScriptGeneration.objects.filter(pk=generation.pk).exists()


def test_the_admin_offers_no_delete_of_an_account(operator, northwind):
    assert operator.post(f"/admin/resolutionflow/account/{northwind.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Account.objects.filter(pk=northwind.pk).exists()


def test_erasing_a_whole_account_still_removes_all_its_history_and_nothing_else(
    northwind, northwind_engineer, northwind_admin, approved, contoso, contoso_owner
):
    session = AISession.objects.get(pk=approved.source_session_id)
    AISessionStep.objects.create(session=session, order=1, step_type="capture", content={"text": "Checked"})
    services.start_draft(northwind_admin, envelope("Work in progress"))
    ScriptGenerationFactory(user=northwind_engineer, ai_session=session)
    theirs = lockout_flow(contoso)

    northwind.delete()

    assert not AISession.objects.exists() and not FlowProposal.objects.exists()
    assert not FlowDraft.objects.exists() and not ScriptGeneration.objects.exists()
    assert list(Tree.objects.all()) == [theirs] and list(TreeVersion.objects.all()) == [theirs.versions.get()]
    assert list(User.objects.all()) == [contoso_owner]


def test_giving_a_flow_another_team_in_the_admin_takes_its_enhancements_along(
    operator, northwind_engineer, flow, projects_team
):
    enhancement = ProposalFactory(engineer=northwind_engineer, proposal_type="enhancement", target_flow=flow)

    versions = {"versions-TOTAL_FORMS": "1", "versions-INITIAL_FORMS": "1", "versions-0-id": flow.versions.get().pk}
    response = operator.post(
        f"/admin/knowledge/tree/{flow.pk}/change/",
        {"slug": "", "team": str(projects_team.pk), **versions, "versions-0-tree": str(flow.pk)},
    )

    assert response.status_code == 302
    assert FlowProposal.objects.get(pk=enhancement.pk).team == projects_team
    assert (
        "team"
        not in operator.get(f"/admin/knowledge/flowproposal/{enhancement.pk}/change/").context["adminform"].form.fields
    )
