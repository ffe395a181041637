"""Proposals built from one client's session read as the team's knowledge: no specifics, readable steps."""

import json

from flowpilot import engine
from flowpilot.analysis_queue import analyze
from flowpilot.models import AISession
from knowledge.flywheel.wording import starts_with_verb
from knowledge.models import GeneralisationTerm
from knowledge.tree_format import iter_nodes, validate_tree
from resolutionflow.tests.fake_anthropic import tool_reply

INTAKE = (
    "Every workstation at Harbour Dental says Sage 50 cannot connect to the data on \\\\HD-FS01\\Sage since this "
    "morning"
)
SPECIFICS = ("Harbour", "HD-FS01", "OP3-PC", "10.20.0.15", "kate@harbourdental.co.uk", "Kestrel Wing", "#55120")


def reload(session):
    return AISession.objects.select_related("matched_flow", "engineer").get(pk=session.pk)


def specific_session(user, client_name="Harbour Dental"):
    session = engine.start_session(user, INTAKE, client_name=client_name, device="OP3-PC")
    for did, found in [
        ("Opened Device Manager on OP3-PC", "Network adapter fine"),
        ("Checked", "Done"),
        ("Pinged 10.20.0.15 from OP3-PC for kate@harbourdental.co.uk", "Replies"),
        ("Checked the Kestrel Wing share permissions, ticket #55120", "Everyone lost Modify"),
    ]:
        engine.answer_step(session, free_text=did, result=found)
    return engine.resolve_session(session, resolution_summary="Gave the Sage users group Modify on the share again")


def test_a_new_flow_carries_no_client_specific_and_records_what_it_replaced(northwind, northwind_engineer):
    GeneralisationTerm.objects.create(account=northwind, term="Kestrel Wing", replacement="the branch")
    session = specific_session(northwind_engineer)

    proposal = analyze(reload(session)).proposal

    stored = json.dumps(proposal.proposed_flow_data) + proposal.title + (proposal.description or "")
    for specific in SPECIFICS:
        assert specific not in stored, specific
    assert len(proposal.title) <= 80 and "…" not in proposal.title and "morning" not in proposal.title
    assert proposal.title.startswith("Every workstation says Sage 50 cannot connect")
    originals = {item["original"] for item in proposal.generalised}
    assert {"Harbour Dental", "OP3-PC", "10.20.0.15", "kate@harbourdental.co.uk", "Kestrel Wing"} <= originals
    assert all(set(item) == {"field", "original", "replacement"} for item in proposal.generalised)


def test_a_rules_built_tree_reads_like_a_procedure(northwind_engineer):
    session = specific_session(northwind_engineer)

    tree = analyze(reload(session)).proposal.proposed_flow_data["tree_structure"]

    validate_tree("troubleshooting", tree)
    nodes = [ref.node for ref in iter_nodes(tree)]
    actions = [n["instructions"] for n in nodes if n["type"] == "action"]
    assert actions[0] == "Open Device Manager on the PC"
    assert all(starts_with_verb(text) for text in actions), actions
    texts = [n.get("instructions") or n.get("question") or n.get("resolution") for n in nodes]
    assert not {"Checked", "Done", "Check"} & set(texts)
    findings = [n for n in nodes if n.get("question") == "What did you find?"]
    assert "Everyone lost Modify" in [c["label"] for q in findings for c in q["children"]]
    fixes = [n["resolution"] for n in nodes if n["type"] == "solution" and not n.get("open")]
    assert fixes == ["Give the Sage users group Modify on the share again"]


def test_an_enhancements_new_branch_and_diff_are_generalised(northwind, northwind_engineer):
    from flowpilot.tests.factories import LOCKOUT_INTAKE, lockout_flow

    lockout_flow(northwind)
    session = engine.start_session(northwind_engineer, LOCKOUT_INTAKE, client_name="Harbour Dental")
    engine.answer_step(session, free_text="Locked again every 10 minutes from OP3-PC")
    engine.answer_step(session, free_text="Checked credential manager on OP3-PC", result="Old password for HD-FS01")
    engine.resolve_session(session, resolution_summary="Removed the stale HD-FS01 credential")

    proposal = analyze(reload(session)).proposal

    assert proposal.proposal_type == "enhancement"
    stored = json.dumps([proposal.proposed_flow_data, proposal.proposed_diff, proposal.description])
    assert "OP3-PC" not in stored and "HD-FS01" not in stored
    assert {"OP3-PC", "HD-FS01"} <= {item["original"] for item in proposal.generalised}


def test_a_specific_the_rules_caught_does_not_come_back_through_the_llm(northwind_engineer, fake_llm):
    session = specific_session(northwind_engineer)
    answer_tree = {
        "id": "r",
        "type": "question",
        "question": "Can OP3-PC reach HD-FS01?",
        "children": [
            {"id": "a", "label": "Yes", "type": "solution", "resolution": "Fix the Kestrel Wing ACL at Harbour Dental"},
            {"id": "b", "label": "No", "type": "solution", "resolution": "Check the network", "open": True},
        ],
    }
    fake = fake_llm(
        tool_reply(
            {
                "title": "Sage 50 at Harbour Dental cannot reach HD-FS01",
                "description": "Seen at Harbour Dental on OP3-PC",
                "match_keywords": ["Sage 50", "HD-FS01", "Harbour Dental"],
                "problem_domain": "line_of_business",
                "tree_structure": answer_tree,
                "confidence": 0.7,
            }
        )
    )

    proposal = analyze(reload(session)).proposal

    assert proposal.generated_by == "llm"
    stored = json.dumps(proposal.proposed_flow_data) + proposal.title + (proposal.description or "")
    for specific in ("Harbour", "HD-FS01", "OP3-PC"):
        assert specific not in stored, specific
    assert proposal.proposed_flow_data["match_keywords"] == ["Sage 50"]
    sent = json.dumps(fake.bodies())
    assert "OP3-PC" not in sent and "HD-FS01" not in sent


def test_the_same_problem_at_two_clients_merges_into_one_proposal(northwind_engineer):
    first = specific_session(northwind_engineer)
    proposal = analyze(reload(first)).proposal

    second = engine.start_session(
        northwind_engineer,
        "Every workstation at Brightside Vets says Sage 50 cannot connect to the data on \\\\BV-FS02\\Sage",
        client_name="Brightside Vets",
        device="BV-PC07",
    )
    engine.answer_step(second, free_text="Opened Device Manager on BV-PC07", result="Network adapter fine")
    engine.answer_step(second, free_text="Checked the share permissions on BV-FS02", result="Everyone lost Modify")
    engine.resolve_session(second, resolution_summary="Gave the Sage users group Modify on the share again")

    merged = analyze(reload(second)).proposal

    assert merged.pk == proposal.pk and merged.supporting_session_count == 2


def test_the_company_of_a_linked_psa_ticket_is_generalised(northwind, northwind_engineer):
    from flowpilot.psa.push_models import TicketLink

    session = engine.start_session(northwind_engineer, "Seaview Hotel's Sage 200 cannot reach SQL", prefer_capture=True)
    TicketLink.objects.create(account=northwind, session=session, provider="connectwise", number="1", company="Seaview")
    engine.answer_step(session, free_text="Checked the SQL Browser service for Seaview", result="Stopped")
    engine.resolve_session(session, resolution_summary="Started SQL Browser")

    proposal = analyze(reload(session)).proposal

    assert "Seaview" not in json.dumps(proposal.proposed_flow_data) + proposal.title
    assert "Seaview" in {item["original"] for item in proposal.generalised}
