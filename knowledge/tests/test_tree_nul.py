"""PostgreSQL stores no NUL: the tree validator refuses one in any text of a tree, with its path, and JSON a
person pastes or uploads into the import page is refused on the form when it holds one or nests too
deep (never a 500)."""

import copy
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from knowledge.models import FlowDraft
from knowledge.tests.factories import QuestionTreeFactory
from knowledge.tree_format import InvalidTree, validate_tree

NUL = "\x00"


def with_change(change):
    tree = QuestionTreeFactory()
    tree["children"][0] = {
        "id": "unlock",
        "label": "Yes",
        "type": "action",
        "instructions": "Unlock the account",
        "script": {"template": "ad-unlock-user", "params": {"sam_account_name": "jsmith"}},
        "children": [{"id": "done", "label": "Unlocked", "type": "solution", "resolution": "Unlocked"}],
    }
    change(tree)
    return tree


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (lambda t: t.update(question="Locked" + NUL), "root", "'question' contains a NUL character"),
        (lambda t: t.update(id="root" + NUL), "root", "'id' contains a NUL character"),
        (lambda t: t["children"][1].update(label=NUL + "No"), "root.children[1]", "'label' contains"),
        (lambda t: t["children"][1].update(resolution="a" + NUL), "root.children[1]", "'resolution' contains"),
        (lambda t: t["children"][0].update(instructions=NUL), "root.children[0]", "'instructions' contains"),
        (
            lambda t: t["children"][0]["children"][0].update(resolution="x" + NUL),
            "root.children[0].children[0]",
            "'resolution' contains",
        ),
        (
            lambda t: t["children"][0]["script"].update(template="ad" + NUL),
            "root.children[0].script",
            "'template' contains",
        ),
        (
            lambda t: t["children"][0]["script"]["params"].update(sam_account_name="j" + NUL),
            "root.children[0].script.params.sam_account_name",
            "the value contains",
        ),
        (
            lambda t: t["children"][0]["script"]["params"].update({"a" + NUL: "x"}),
            "root.children[0].script.params",
            "a parameter name contains",
        ),
    ],
)
def test_a_nul_anywhere_in_a_troubleshooting_tree_is_refused_with_its_path(change, path, message):
    with pytest.raises(InvalidTree) as refused:
        validate_tree("troubleshooting", with_change(change))

    assert refused.value.path == path and message in refused.value.message


@pytest.mark.parametrize("field", ["id", "title", "instructions"])
def test_a_nul_in_a_procedural_step_is_refused_with_its_path(field):
    steps = {
        "steps": [
            {"id": "s1", "title": "Check", "instructions": "Look"},
            {"id": "s2", "title": "Fix", "instructions": "Do"},
        ]
    }
    broken = copy.deepcopy(steps)
    broken["steps"][1][field] += NUL

    validate_tree("procedural", steps)
    with pytest.raises(InvalidTree) as refused:
        validate_tree("procedural", broken)

    assert refused.value.path == "root.steps[1]" and f"'{field}' contains a NUL character" in refused.value.message


def test_the_api_refuses_a_tree_holding_a_nul_with_400(api_as, northwind_admin):
    tree = QuestionTreeFactory()
    tree["children"][0]["resolution"] = "Unlocked\x00"

    response = api_as(northwind_admin).post(
        "/api/v1/flows", {"name": "Lockout", "tree_type": "troubleshooting", "tree_structure": tree}, format="json"
    )

    assert response.status_code == 400


@pytest.mark.parametrize(
    ("pasted", "message"),
    [
        (json.dumps({"name": "Lockout\x00", "tree_structure": QuestionTreeFactory()}), b"NUL character"),
        ("[" * 5000 + "]" * 5000, b"more than 200 levels"),
        ('{"name": "x", "tree_structure": NaN}', b"NaN is not a JSON number"),
    ],
)
def test_pasted_json_with_a_nul_or_nested_too_deep_is_a_form_error(team_admin_client, pasted, message):
    response = team_admin_client.post("/flows/import/", {"json": pasted})

    assert response.status_code == 422
    assert message in response.content
    assert not FlowDraft.objects.exists()


def test_an_uploaded_file_with_a_nul_escape_is_a_form_error(team_admin_client):
    text = json.dumps({"name": "Lockout", "description": "a\x00b", "tree_structure": QuestionTreeFactory()})
    upload = SimpleUploadedFile("lockout.json", text.encode(), "application/json")

    response = team_admin_client.post("/flows/import/", {"file": upload})

    assert response.status_code == 422 and b"NUL character" in response.content
    assert not FlowDraft.objects.exists()
