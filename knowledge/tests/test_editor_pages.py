import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from knowledge import services
from knowledge.models import DraftSource, FlowDraft, Tree, TreeVersion
from knowledge.tests.factories import LockoutTreeFactory, QuestionTreeFactory, TreeFactory
from resolutionflow.testing import HTMX, assert_foreign_404, toast_of


def envelope(**overrides):
    return {
        "name": "AD account lockout",
        "description": "A user cannot sign in.",
        "tree_type": "troubleshooting",
        "problem_domain": "active_directory",
        "match_keywords": ["locked out"],
        "tree_structure": LockoutTreeFactory(),
        **overrides,
    }


@pytest.fixture
def draft(northwind_admin):
    return services.start_draft(northwind_admin, envelope())


def op(client, draft, htmx=True, **data):
    return client.post(f"/flows/drafts/{draft.pk}/ops/", data, **(HTMX if htmx else {}))


def structure(draft):
    draft.refresh_from_db()
    return draft.envelope["tree_structure"]


# ── Who may edit ────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "method, suffix",
    [("get", "edit/"), ("post", "ops/"), ("post", "meta/"), ("post", "publish/"), ("get", "export.json")],
)
def test_engineers_get_403_in_the_editor(client, northwind_engineer, draft, method, suffix):
    client.force_login(northwind_engineer)

    response = getattr(client, method)(f"/flows/drafts/{draft.pk}/{suffix}")

    assert response.status_code == 403


@pytest.mark.parametrize("url", ["/flows/new/", "/flows/import/"])
def test_engineers_cannot_start_flows(client, northwind_engineer, url):
    client.force_login(northwind_engineer)

    assert client.get(url).status_code == 403
    assert client.post(url, {"tree_type": "troubleshooting"}).status_code == 403
    assert not FlowDraft.objects.exists()


@pytest.mark.parametrize(
    "method, suffix",
    [("get", "edit/"), ("post", "ops/"), ("post", "meta/"), ("post", "publish/"), ("get", "export.json")],
)
def test_another_accounts_draft_is_404(contoso_owner, draft, method, suffix):
    assert_foreign_404(contoso_owner, f"/flows/drafts/{draft.pk}/{suffix}", method=method)


@pytest.mark.parametrize("method", ["get", "post"])
def test_editing_another_accounts_flow_is_404(contoso_owner, northwind, method):
    flow = TreeFactory(account=northwind)

    assert_foreign_404(contoso_owner, f"/flows/{flow.pk}/edit/", method=method)
    assert not FlowDraft.objects.exists()


def test_a_team_admin_cannot_edit_another_teams_flow(team_admin_client, northwind, projects_team):
    flow = TreeFactory(account=northwind, team=projects_team)

    assert team_admin_client.post(f"/flows/{flow.pk}/edit/").status_code == 403


# ── Starting a draft ────────────────────────────────────────────────────────────────────────────────


def test_a_new_troubleshooting_flow_opens_the_editor_on_a_skeleton(team_admin_client, northwind_admin):
    response = team_admin_client.post("/flows/new/", {"tree_type": "troubleshooting", "name": "  Printer   offline "})

    draft = FlowDraft.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/flows/drafts/{draft.pk}/edit/"
    assert draft.author == northwind_admin and draft.source_kind == DraftSource.MANUAL
    assert draft.envelope["name"] == "Printer offline"
    assert [child["open"] for child in draft.envelope["tree_structure"]["children"]] == [True, True]


def test_a_new_procedure_starts_with_one_step(team_admin_client):
    team_admin_client.post("/flows/new/", {"tree_type": "procedural"})

    draft = FlowDraft.objects.get()
    assert draft.envelope["name"] == "Untitled flow"
    assert len(draft.envelope["tree_structure"]["steps"]) == 1


def test_a_new_flow_without_a_kind_is_refused_on_the_form(team_admin_client):
    response = team_admin_client.post("/flows/new/", {"tree_type": "spreadsheet"})

    assert response.status_code == 422
    assert b"Choose the kind of flow" in response.content
    assert not FlowDraft.objects.exists()


def test_editing_a_flow_offers_a_draft_on_get_and_starts_it_on_post(team_admin_client, northwind):
    flow = TreeFactory(account=northwind, name="Printer offline")

    offer = team_admin_client.get(f"/flows/{flow.pk}/edit/")
    assert offer.status_code == 200 and b"Start a draft" in offer.content
    assert not FlowDraft.objects.exists()

    response = team_admin_client.post(f"/flows/{flow.pk}/edit/")

    draft = FlowDraft.objects.get()
    assert response["Location"] == f"/flows/drafts/{draft.pk}/edit/"
    assert draft.target_flow == flow and draft.target_version == 1
    assert draft.envelope == flow.envelope()


# ── Import ──────────────────────────────────────────────────────────────────────────────────────────


def test_pasted_envelope_json_becomes_a_draft(team_admin_client):
    response = team_admin_client.post("/flows/import/", {"json": json.dumps(envelope())})

    draft = FlowDraft.objects.get()
    assert response["Location"] == f"/flows/drafts/{draft.pk}/edit/"
    assert draft.envelope["name"] == "AD account lockout"
    assert draft.envelope["tree_structure"]["children"][2]["open"] is True


def test_an_uploaded_bare_tree_is_named_after_its_file(team_admin_client):
    upload = SimpleUploadedFile("printer-offline.json", json.dumps(QuestionTreeFactory()).encode(), "application/json")

    team_admin_client.post("/flows/import/", {"file": upload})

    draft = FlowDraft.objects.get()
    assert draft.envelope["name"] == "Printer offline"
    assert draft.envelope["tree_type"] == "troubleshooting"


def test_invalid_json_is_a_form_error_and_the_text_stays(team_admin_client):
    response = team_admin_client.post("/flows/import/", {"json": '{"name": "Half a flow",'})

    assert response.status_code == 422
    assert b"not valid JSON" in response.content
    assert b"{&quot;name&quot;: &quot;Half a flow&quot;," in response.content
    assert not FlowDraft.objects.exists()


def test_an_invalid_tree_is_refused_with_its_path(team_admin_client):
    tree = QuestionTreeFactory()
    tree["children"] = tree["children"][:1]

    response = team_admin_client.post("/flows/import/", {"json": json.dumps(tree)})

    assert b"root: question needs 2-5 children" in response.content
    assert not FlowDraft.objects.exists()


def test_a_file_over_1_mb_is_refused(team_admin_client, settings):
    settings.MAX_REQUEST_BYTES = settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 3 * 1024 * 1024
    upload = SimpleUploadedFile("big.json", b" " * (1024 * 1024 + 1), "application/json")

    response = team_admin_client.post("/flows/import/", {"file": upload})

    assert b"larger than 1 MB" in response.content
    assert not FlowDraft.objects.exists()


# ── The editor page: the hand-over from other pages ─────────────────────────────────────────────────


def test_the_editor_opens_preloaded_with_the_drafts_structure(team_admin_client, draft):
    response = team_admin_client.get(f"/flows/drafts/{draft.pk}/edit/")

    assert response.status_code == 200
    content = response.content.decode()
    for text in ("Is the account locked out?", "Unlock it in ADUC.", "Can&#x27;t tell", "Open end — not yet explored"):
        assert text in content
    assert "Valid — ready to publish" in re.sub(r"<[^>]+>", "", content)
    assert "Started by hand" in content


def test_the_editor_says_where_a_draft_came_from_and_what_it_edits(team_admin_client, northwind_admin, northwind):
    flow = TreeFactory(account=northwind, name="Printer offline")
    draft = services.start_draft(
        northwind_admin, flow.envelope(), target_flow=flow, source_kind=DraftSource.PROPOSAL, source_id="17"
    )

    content = team_admin_client.get(f"/flows/drafts/{draft.pk}/edit/").content.decode()

    assert "From a flow proposal" in content
    assert "Printer offline</a> (v 1)" in content


def test_a_gap_draft_shows_its_source(team_admin_client, northwind_admin):
    draft = services.start_draft(northwind_admin, envelope(), source_kind=DraftSource.GAP, source_id="vpn")

    assert b"From a knowledge gap" in team_admin_client.get(f"/flows/drafts/{draft.pk}/edit/").content


def test_a_draft_that_is_not_a_tree_still_opens(team_admin_client, northwind_admin):
    draft = services.start_draft(northwind_admin, {"name": "WIP", "tree_structure": ["not", "a", "tree"]})

    response = team_admin_client.get(f"/flows/drafts/{draft.pk}/edit/")

    assert response.status_code == 200
    assert b"Start from a skeleton" in response.content


# ── Operations ──────────────────────────────────────────────────────────────────────────────────────


def test_a_text_edit_saves_and_answers_with_the_status_only(team_admin_client, draft):
    response = op(team_admin_client, draft, op="set_text", node_id="no", field="label", value="No, not locked")

    assert response.status_code == 200
    assert structure(draft)["children"][1]["label"] == "No, not locked"
    content = response.content.decode()
    assert 'id="editor-status" hx-swap-oob="true"' in content and "Saved" in content
    assert 'id="flow-tree"' not in content


def test_a_structural_op_redraws_the_tree_and_focuses_the_new_option(team_admin_client, draft):
    response = op(team_admin_client, draft, op="add_option", node_id="root")

    new = structure(draft)["children"][3]
    assert new["label"] == "New option" and new["open"] is True
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="flow-tree"')
    assert f'data-focus="node-{new["id"]}"' in content
    assert 'id="editor-status" hx-swap-oob="true"' in content


def test_removing_down_to_one_option_shows_the_problem_on_that_question(team_admin_client, draft):
    op(team_admin_client, draft, op="remove", node_id="no")
    response = op(team_admin_client, draft, op="remove", node_id="unsure")

    assert [child["id"] for child in structure(draft)["children"]] == ["locked"]
    content = response.content.decode()
    assert 'id="node-root" tabindex="-1" data-node="root" data-invalid' in content
    assert 'data-error-node="node-root"' in content
    assert "Question needs 2-5 children" in content
    assert 'title="root: question needs 2-5 children"' in content


@pytest.mark.parametrize(
    "data, check",
    [
        ({"op": "move_down", "node_id": "locked"}, lambda t: [c["id"] for c in t["children"]][:2] == ["no", "locked"]),
        ({"op": "move_up", "node_id": "unsure"}, lambda t: [c["id"] for c in t["children"]][1:] == ["unsure", "no"]),
        ({"op": "remove", "node_id": "done"}, lambda t: "children" not in t["children"][0]),
        (
            {"op": "change_type", "node_id": "no", "new_type": "question"},
            lambda t: t["children"][1]["question"] == "Reset the password." and len(t["children"][1]["children"]) == 2,
        ),
        (
            {"op": "set_script", "node_id": "locked", "template": "ad-unlock-user", "params": "user = jsmith\r\n"},
            lambda t: t["children"][0]["script"] == {"template": "ad-unlock-user", "params": {"user": "jsmith"}},
        ),
        ({"op": "set_open", "node_id": "no", "open": "1"}, lambda t: t["children"][1]["open"] is True),
        ({"op": "set_open", "node_id": "unsure"}, lambda t: "open" not in t["children"][2]),
        (
            {"op": "set_text", "node_id": "root", "field": "question", "value": "Locked?"},
            lambda t: t["question"] == "Locked?",
        ),
    ],
)
def test_every_tree_operation_is_saved(team_admin_client, draft, data, check):
    response = op(team_admin_client, draft, **data)

    assert response.status_code == 200
    assert check(structure(draft))


def test_add_next_and_clear_script_on_an_action(team_admin_client, draft):
    op(team_admin_client, draft, op="remove", node_id="done")
    op(team_admin_client, draft, op="set_script", node_id="locked", template="ad-unlock-user", params="")
    op(team_admin_client, draft, op="add_next", node_id="locked")
    op(team_admin_client, draft, op="clear_script", node_id="locked")

    action = structure(draft)["children"][0]
    assert action["children"][0]["open"] is True
    assert "script" not in action


def test_an_empty_template_slug_removes_the_script(team_admin_client, draft):
    op(team_admin_client, draft, op="set_script", node_id="locked", template="ad-unlock-user", params="")
    op(team_admin_client, draft, op="set_script", node_id="locked", template=" ", params="")

    assert "script" not in structure(draft)["children"][0]


def test_a_bad_parameter_line_is_refused_with_a_toast_and_nothing_saved(team_admin_client, draft):
    response = op(team_admin_client, draft, op="set_script", node_id="locked", template="x", params="no equals sign")

    assert response.status_code == 422
    assert "Line 1" in toast_of(response)["message"]
    assert "script" not in structure(draft)["children"][0]


def test_an_unknown_node_is_refused_with_422(team_admin_client, draft):
    response = op(team_admin_client, draft, op="remove", node_id="ghost")

    assert response.status_code == 422
    assert "no node 'ghost'" in toast_of(response)["message"]


def test_an_unknown_operation_is_refused(team_admin_client, draft):
    assert op(team_admin_client, draft, op="explode", node_id="root").status_code == 422


def test_without_htmx_an_op_redirects_back_to_the_editor(team_admin_client, draft):
    response = op(team_admin_client, draft, htmx=False, op="add_option", node_id="root")

    new_id = structure(draft)["children"][3]["id"]
    assert response.status_code == 302
    assert response["Location"] == f"/flows/drafts/{draft.pk}/edit/#node-{new_id}"


def test_every_step_operation_is_saved(team_admin_client, northwind_admin):
    draft = services.start_draft(
        northwind_admin,
        {
            "name": "New starter",
            "tree_type": "procedural",
            "tree_structure": {"steps": [{"id": "s1", "title": "Create", "instructions": "Create the user."}]},
        },
    )

    op(team_admin_client, draft, op="add_step", node_id="s1")
    new_id = structure(draft)["steps"][1]["id"]
    op(team_admin_client, draft, op="set_step_text", node_id=new_id, field="title", value="Licence")
    op(team_admin_client, draft, op="set_step_text", node_id=new_id, field="instructions", value="Assign E3.")
    op(team_admin_client, draft, op="move_step_up", node_id=new_id)
    assert [s["title"] for s in structure(draft)["steps"]] == ["Licence", "Create"]
    op(team_admin_client, draft, op="move_step_down", node_id=new_id)
    op(team_admin_client, draft, op="remove_step", node_id="s1")

    assert structure(draft)["steps"] == [{"id": new_id, "title": "Licence", "instructions": "Assign E3."}]


def test_the_details_form_saves_name_domain_and_keywords(team_admin_client, draft):
    response = team_admin_client.post(
        f"/flows/drafts/{draft.pk}/meta/",
        {
            "name": " Account  lockout ",
            "description": "Locked out users.\r\n",
            "problem_domain": "",
            "match_keywords": "locked, 4740,\nbad password",
            "tree_type": "troubleshooting",
        },
        **HTMX,
    )

    draft.refresh_from_db()
    assert draft.envelope["name"] == "Account lockout"
    assert draft.envelope["description"] == "Locked out users."
    assert draft.envelope["problem_domain"] is None
    assert draft.envelope["match_keywords"] == ["locked", "4740", "bad password"]
    assert 'id="editor-title" hx-swap-oob="true"' in response.content.decode()


def test_an_emptied_name_is_shown_as_the_problem(team_admin_client, draft):
    response = team_admin_client.post(
        f"/flows/drafts/{draft.pk}/meta/", {"name": "", "tree_type": "troubleshooting"}, **HTMX
    )

    assert 'data-error-field="name"' in response.content.decode()
    assert "Name: a flow needs a name" in response.content.decode()


def test_changing_the_flow_type_converts_the_structure(team_admin_client, draft):
    response = team_admin_client.post(
        f"/flows/drafts/{draft.pk}/meta/", {"name": "Lockout", "tree_type": "procedural"}, **HTMX
    )

    draft.refresh_from_db()
    assert draft.envelope["tree_type"] == "procedural"
    assert [s["id"] for s in draft.envelope["tree_structure"]["steps"]][:2] == ["root", "locked"]
    assert 'id="flow-tree" hx-swap-oob="true"' in response.content.decode()


def test_the_draft_exports_as_json(team_admin_client, draft):
    response = team_admin_client.get(f"/flows/drafts/{draft.pk}/export.json")

    assert response["Content-Type"] == "application/json"
    assert 'filename="ad-account-lockout-draft.json"' in response["Content-Disposition"]
    assert json.loads(response.content) == envelope()


# ── Publishing ──────────────────────────────────────────────────────────────────────────────────────


def test_publishing_a_new_flow_creates_version_1_and_opens_it(team_admin_client, draft, northwind_admin):
    response = team_admin_client.post(f"/flows/drafts/{draft.pk}/publish/", {"note": "From the lockout ticket"})

    flow = Tree.objects.get(name="AD account lockout")
    assert response.status_code == 302 and response["Location"] == f"/flows/{flow.pk}/"
    assert flow.is_published and flow.version == 1 and flow.team == northwind_admin.team
    version = TreeVersion.objects.get(tree=flow)
    assert version.note == "From the lockout ticket" and version.author == northwind_admin
    draft.refresh_from_db()
    assert draft.published_flow == flow


def test_publishing_over_htmx_redirects_the_page(team_admin_client, draft):
    response = team_admin_client.post(f"/flows/drafts/{draft.pk}/publish/", {"note": ""}, **HTMX)

    flow = Tree.objects.get(name="AD account lockout")
    assert response["HX-Redirect"] == f"/flows/{flow.pk}/"


def test_publishing_onto_a_flow_adds_a_version(team_admin_client, northwind_admin, northwind):
    flow = TreeFactory(account=northwind, name="Printer offline")
    draft = services.start_draft(northwind_admin, flow.envelope(), target_flow=flow)
    op(team_admin_client, draft, op="set_text", node_id="n-root", field="question", value="Is the printer online?")

    team_admin_client.post(f"/flows/drafts/{draft.pk}/publish/", {"note": "Clearer question"})

    flow.refresh_from_db()
    assert flow.version == 2
    assert flow.tree_structure["question"] == "Is the printer online?"
    assert flow.versions.get(version=2).note == "Clearer question"


def test_publishing_an_invalid_tree_is_refused_with_its_path(team_admin_client, draft):
    op(team_admin_client, draft, op="remove", node_id="no")
    op(team_admin_client, draft, op="remove", node_id="unsure")

    response = team_admin_client.post(f"/flows/drafts/{draft.pk}/publish/", {"note": "Too early"})

    assert response.status_code == 422
    content = response.content.decode()
    assert '<code class="text-xs">root</code>: question needs 2-5 children' in content
    assert "Too early" in content
    assert not Tree.objects.exists()


def test_publishing_an_invalid_tree_over_htmx_answers_the_result_piece_and_a_warning(team_admin_client, draft):
    op(team_admin_client, draft, op="set_text", node_id="no", field="resolution", value="")

    response = team_admin_client.post(f"/flows/drafts/{draft.pk}/publish/", {"note": ""}, **HTMX)

    assert response.status_code == 422  # app.js swaps a refusal's body
    assert response.content.decode().lstrip().startswith('<div id="publish-result"')
    assert "root.children[1]" in response.content.decode()
    assert toast_of(response)["level"] == "warning"
    assert not Tree.objects.exists()


def test_a_stale_target_shows_both_versions_and_publishes_anyway_with_force(
    team_admin_client, northwind_admin, northwind_owner, northwind
):
    flow = TreeFactory(account=northwind, name="Printer offline")
    draft = services.start_draft(northwind_admin, flow.envelope(), target_flow=flow)
    services.publish_tree(
        flow, {**flow.envelope(), "description": "Edited elsewhere"}, author=northwind_owner, note="Owner's fix"
    )
    op(team_admin_client, draft, op="set_text", node_id="n-0", field="label", value="Yes, online")

    response = team_admin_client.post(f"/flows/drafts/{draft.pk}/publish/", {"note": "Mine"})

    assert response.status_code == 409
    content = response.content.decode()
    assert "version 1" in content and "version 2" in content and "Owner&#x27;s fix" in content
    assert 'name="force" value="1"' in content
    assert "Description: “Edited elsewhere” → “A troubleshooting flow.”" in content
    assert "Changed" in content and "Yes, online" in content
    flow.refresh_from_db()
    assert flow.version == 2

    team_admin_client.post(f"/flows/drafts/{draft.pk}/publish/", {"note": "Mine", "force": "1"})

    flow.refresh_from_db()
    assert flow.version == 3 and flow.tree_structure["children"][0]["label"] == "Yes, online"


def test_a_published_draft_refuses_more_edits(team_admin_client, draft):
    team_admin_client.post(f"/flows/drafts/{draft.pk}/publish/", {"note": ""})

    response = op(team_admin_client, draft, op="add_option", node_id="root")
    page = team_admin_client.get(f"/flows/drafts/{draft.pk}/edit/")

    assert response.status_code == 409
    assert b"This draft was published" in page.content
    assert team_admin_client.post(f"/flows/drafts/{draft.pk}/publish/", **HTMX).status_code == 409
