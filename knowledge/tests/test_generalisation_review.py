"""The review page shows what a proposal generalised and a reviewer puts a term back; admins keep a term list."""

from flowpilot import engine
from flowpilot.analysis_queue import analyze
from flowpilot.models import AISession
from knowledge.models import FlowProposal, GeneralisationTerm
from resolutionflow.testing import HTMX


def generalised_proposal(engineer) -> FlowProposal:
    session = engine.start_session(
        engineer, "Scans to the share fail at Harbour Dental", client_name="Harbour Dental", prefer_capture=True
    )
    engine.answer_step(session, free_text="Opened \\\\HD-FS01\\Scans from OP3-PC", result="Access denied")
    engine.resolve_session(session, resolution_summary="Gave the scanner account Modify on the share")
    return analyze(AISession.objects.select_related("matched_flow", "engineer").get(pk=session.pk)).proposal


def test_the_review_page_lists_what_was_generalised(team_admin_client, northwind_engineer):
    proposal = generalised_proposal(northwind_engineer)

    page = team_admin_client.get(f"/review/{proposal.pk}/", **HTMX).text

    assert "Generalised from the client" in page
    assert "OP3-PC" in page and "the PC" in page and "Put back" in page


def test_putting_a_term_back_writes_the_original_where_its_role_word_stood(team_admin_client, northwind_engineer):
    proposal = generalised_proposal(northwind_engineer)
    index = next(i for i, item in enumerate(proposal.generalised) if item["original"] == "OP3-PC")
    assert "OP3-PC" not in str(proposal.proposed_flow_data)

    response = team_admin_client.post(f"/review/{proposal.pk}/restore-term/", {"index": index}, **HTMX)

    assert response.status_code == 200
    proposal.refresh_from_db()
    assert "OP3-PC" in str(proposal.proposed_flow_data["tree_structure"])
    assert all(item.get("restored") for item in proposal.generalised if item["original"] == "OP3-PC")
    assert "\\\\HD-FS01\\Scans" not in str(proposal.proposed_flow_data)


def test_an_engineer_cannot_put_a_term_back(engineer_client, northwind_engineer):
    proposal = generalised_proposal(northwind_engineer)
    assert engineer_client.post(f"/review/{proposal.pk}/restore-term/", {"index": 0}).status_code == 403


def test_a_bad_index_is_refused(team_admin_client, northwind_engineer):
    proposal = generalised_proposal(northwind_engineer)
    assert team_admin_client.post(f"/review/{proposal.pk}/restore-term/", {"index": 99}, **HTMX).status_code == 422
    assert team_admin_client.post(f"/review/{proposal.pk}/restore-term/", {"index": "x"}, **HTMX).status_code == 422


def test_another_accounts_proposal_is_404(client_as, contoso_owner, northwind_engineer):
    proposal = generalised_proposal(northwind_engineer)
    assert client_as(contoso_owner).post(f"/review/{proposal.pk}/restore-term/", {"index": 0}).status_code == 404


def test_admins_keep_the_term_list_and_new_proposals_use_it(team_admin_client, northwind, northwind_engineer):
    response = team_admin_client.post("/generalisation-terms/", {"term": "Kestrel Wing", "replacement": "the branch"})
    assert response.status_code == 302
    assert GeneralisationTerm.objects.get(account=northwind).replacement == "the branch"

    session = engine.start_session(northwind_engineer, "Kestrel Wing printer offline", prefer_capture=True)
    engine.answer_step(session, free_text="Checked the Kestrel Wing print queue", result="Paused")
    engine.resolve_session(session, resolution_summary="Resumed the queue")
    proposal = analyze(AISession.objects.select_related("matched_flow", "engineer").get(pk=session.pk)).proposal
    assert "Kestrel" not in str(proposal.proposed_flow_data) + proposal.title


def test_the_term_list_is_for_admins(engineer_client):
    assert engineer_client.get("/generalisation-terms/").status_code == 403


def test_the_term_list_refuses_bad_input_and_other_accounts_terms(team_admin_client, contoso):
    assert team_admin_client.post("/generalisation-terms/", {"term": " "}).status_code == 422
    foreign = GeneralisationTerm.objects.create(account=contoso, term="Contoso Site")
    assert team_admin_client.post(f"/generalisation-terms/{foreign.pk}/delete/").status_code == 404
    assert GeneralisationTerm.objects.filter(pk=foreign.pk).exists()
