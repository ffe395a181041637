"""The product's promise, end to end through the API: a novel fix becomes a flow that guides the next engineer.

capture session on an uncovered problem → analysis → pending new_flow → approve → the same intake (and a
paraphrase) now match the new flow top-1, the same intake guided → following it to its solution reinforces
it → a session that escapes inside it → an enhancement showing the new branch → modify → version + 1.
"""

from django.core.management import call_command

from knowledge.models import FlowProposal, Tree
from knowledge.starter import import_starter_library

INTAKE = "Yealink desk phones have one-way audio on external calls since the router swap"
PARAPHRASE = "Yealink phones: one way audio when calling external numbers after the new router"


def post(client, url, body):
    response = client.post(url, body, format="json")
    assert response.status_code in (200, 201), (url, response.status_code, response.content[:400])
    return response.json()


def walk_to_solution(client, session):
    """Answer a guided session along its first options until a solution step is shown."""
    step = session["current_step"]
    for _ in range(20):
        if step["step_type"] == "solution":
            return step
        body = {"selected_option": step["options"][0]} if step["options"] else {"action_result": "Done, it worked"}
        step = post(client, f"/api/v1/ai-sessions/{session['id']}/steps", body)["current_step"]
    raise AssertionError("no solution reached")


def test_the_learning_loop(api_as, northwind, northwind_engineer, northwind_admin):
    import_starter_library(northwind)
    engineer, admin = api_as(northwind_engineer), api_as(northwind_admin)

    # 1. A problem no flow covers: a capture session.
    session = post(engineer, "/api/v1/ai-sessions", {"intake": INTAKE})
    assert session["confidence_tier"] == "discovery" and session["current_step"]["step_type"] == "capture"
    for did, found in [
        ("Checked SIP ALG on the new router", "SIP ALG enabled"),
        ("Disabled SIP ALG and rebooted the phones", "Two-way audio restored"),
    ]:
        post(engineer, f"/api/v1/ai-sessions/{session['id']}/steps", {"free_text": did, "result": found})
    post(
        engineer,
        f"/api/v1/ai-sessions/{session['id']}/resolve",
        {"resolution_summary": "Disabled SIP ALG on the router", "rating": 5},
    )

    # 2. Analysis turns it into a pending new flow.
    call_command("analyze_pending")
    [proposal] = admin.get("/api/v1/flow-proposals?status=pending").json()["results"]
    assert proposal["proposal_type"] == "new_flow" and proposal["source_session_id"] == session["id"]

    # 3. The admin approves it.
    reviewed = post(admin, f"/api/v1/flow-proposals/{proposal['id']}/review", {"action": "approve"})
    assert reviewed["status"] == "approved"
    flow = Tree.objects.get(pk=reviewed["published_flow_id"])
    assert flow.origin == "ai_generated" and flow.status == "published" and str(flow.source_session_id) == session["id"]

    # 4. The next engineer with the same problem is matched to it, guided; a paraphrase finds it too.
    same = post(engineer, "/api/v1/flows/match", {"text": INTAKE})
    assert same["matches"][0]["flow_id"] == str(flow.pk) and same["confidence_tier"] == "guided"
    assert post(engineer, "/api/v1/flows/match", {"text": PARAPHRASE})["matches"][0]["flow_id"] == str(flow.pk)

    # 5. Following it to its solution and resolving reinforces it.
    followed = post(engineer, "/api/v1/ai-sessions", {"intake": INTAKE})
    assert followed["confidence_tier"] == "guided" and followed["matched_flow_id"] == str(flow.pk)
    walk_to_solution(engineer, followed)
    post(engineer, f"/api/v1/ai-sessions/{followed['id']}/resolve", {"resolution_summary": "Same fix"})
    flow.refresh_from_db()
    assert (flow.times_followed, flow.success_count, flow.success_rate) == (1, 1, 1.0)
    assert flow.last_matched_at is not None
    call_command("analyze_pending")
    assert FlowProposal.objects.filter(target_flow=flow, status="auto_reinforced").count() == 1

    # 6. A session that escapes inside the new flow proposes an enhancement with the new branch.
    escaping = post(engineer, "/api/v1/ai-sessions", {"intake": INTAKE})
    post(engineer, f"/api/v1/ai-sessions/{escaping['id']}/steps", {"action_result": "Checked it"})
    post(engineer, f"/api/v1/ai-sessions/{escaping['id']}/steps", {"free_text": "SIP ALG already off; QoS drops RTP"})
    post(
        engineer,
        f"/api/v1/ai-sessions/{escaping['id']}/resolve",
        {"resolution_summary": "Added a QoS rule for RTP ports 10000-20000"},
    )
    call_command("analyze_pending")
    [enhancement] = admin.get("/api/v1/flow-proposals?status=pending&proposal_type=enhancement").json()["results"]
    assert enhancement["target_flow_id"] == str(flow.pk)
    detail = admin.get(f"/api/v1/flow-proposals/{enhancement['id']}").json()
    added = [op for op in detail["proposed_diff"] if op["op"] == "add"]
    assert added and added[0]["node"]["label"] == "SIP ALG already off; QoS drops RTP"
    assert "Added new branch for 'SIP ALG already off; QoS drops RTP'" in detail["description"]

    # 7. Approving an enhancement as is is refused; Edit & Publish (modify) publishes version 2.
    refused = admin.post(f"/api/v1/flow-proposals/{enhancement['id']}/review", {"action": "approve"}, format="json")
    assert refused.status_code == 400
    modified = post(
        admin,
        f"/api/v1/flow-proposals/{enhancement['id']}/review",
        {"action": "modify", "modified_flow_data": detail["proposed_flow_data"]},
    )
    assert modified["status"] == "modified" and modified["published_flow_id"] == str(flow.pk)
    flow.refresh_from_db()
    assert flow.version == 2 and flow.origin == "ai_enhanced"
    assert flow.versions.get(version=2).origin == "ai_enhanced"
