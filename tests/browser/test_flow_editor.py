import re

import pytest
from playwright.sync_api import expect

from knowledge import services
from knowledge.models import DraftSource, Tree

pytestmark = pytest.mark.django_db(transaction=True)


def lockout_envelope():
    return {
        "name": "AD account lockout",
        "description": "A user cannot sign in.",
        "tree_type": "troubleshooting",
        "problem_domain": "active_directory",
        "match_keywords": ["locked out"],
        "tree_structure": {
            "id": "root",
            "type": "question",
            "question": "Is the account locked out?",
            "children": [
                {"id": "yes", "label": "Yes", "type": "action", "instructions": "Unlock it in ADUC."},
                {"id": "no", "label": "No", "type": "solution", "resolution": "Reset the password."},
                {"id": "unsure", "label": "Can't tell", "type": "solution", "resolution": "?", "open": True},
            ],
        },
    }


def expect_saved(page):
    """The save state reads "Saved" (innerText: "Saving…" sits beside it, hidden while nothing is sent)."""
    saved = re.compile(r"^\s*(All changes saved|Saved)\s*$")
    expect(page.locator("#save-state")).to_have_text(saved, use_inner_text=True)


def test_an_admin_edits_a_handed_over_draft_and_publishes_it_to_the_library(
    login, northwind_admin, service_desk, live_server
):
    # The hand-over other pages use (the review queue's "Edit & Publish", the gaps panel's "Create flow").
    draft = services.start_draft(northwind_admin, lockout_envelope(), source_kind=DraftSource.GAP, source_id="gap-7")
    page = login(northwind_admin)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    page.goto(f"{live_server.url}/flows/drafts/{draft.pk}/edit/")

    expect(page.get_by_role("heading", name="AD account lockout")).to_be_visible()
    expect(page.get_by_text("From a knowledge gap")).to_be_visible()
    expect(page.get_by_text("Open end — not yet explored")).to_be_visible()
    expect(page.get_by_text("Valid — ready to publish")).to_be_visible()

    label = page.get_by_role("textbox", name="Option 2")
    label.fill("No, it is not locked")
    label.press("Tab")
    expect_saved(page)

    # Removing an option leaves the question with too few: the problem shows inline, on that question.
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Remove “Can't tell”").click()
    page.get_by_role("button", name="Remove “Yes”").click()
    expect(page.locator("#node-root")).to_have_attribute("data-invalid", "")
    expect(page.locator("#node-root").get_by_text("Question needs 2-5 children")).to_be_visible()
    assert dialogs == ["Remove “Can't tell”?", "Remove “Yes”?"]

    page.get_by_role("button", name="Add option").click()
    expect(page.get_by_role("textbox", name="Option 2")).to_be_focused()
    expect(page.get_by_text("Valid — ready to publish")).to_be_visible()

    # A text edit saves in place; the validator's verdict follows it without redrawing the tree.
    question = page.locator("#node-root-text")
    question.fill("")
    question.press("Tab")
    expect(page.locator("#node-root")).to_have_attribute("data-invalid", "")
    question.fill("Is the account locked out in AD?")
    question.press("Tab")
    expect(page.get_by_text("Valid — ready to publish")).to_be_visible()
    expect(page.locator("#node-root")).not_to_have_attribute("data-invalid", "")

    page.get_by_text("Publish…").click()
    page.get_by_label("Note").fill("Reviewed the lockout proposal")
    page.get_by_role("button", name="Publish", exact=True).click()

    page.wait_for_url(re.compile(r"/flows/[0-9a-f-]{36}/$"))
    flow = Tree.objects.get(name="AD account lockout")
    assert page.url == f"{live_server.url}/flows/{flow.pk}/"
    expect(page.get_by_text("Published “AD account lockout” (version 1).")).to_be_visible()
    assert flow.versions.get().note == "Reviewed the lockout proposal"
    assert flow.tree_structure["children"][0]["label"] == "No, it is not locked"

    page.goto(f"{live_server.url}/flows/")
    expect(page.get_by_role("main").get_by_text("AD account lockout")).to_be_visible()
    assert not [error for error in errors if "Content Security Policy" in error or "Refused" in error], errors


def test_a_new_flow_starts_from_a_skeleton_and_keeps_typed_text(login, northwind_admin, service_desk, live_server):
    page = login(northwind_admin)
    page.goto(f"{live_server.url}/flows/new/")

    page.get_by_label("Name").fill("Printer offline")
    page.get_by_text("Procedural").click()
    page.get_by_role("button", name="Create and edit").click()

    expect(page.get_by_role("heading", name="Printer offline")).to_be_visible()
    page.get_by_label("Step 1 title").fill("Check the printer is on")
    page.get_by_role("button", name="Add a step after step 1").click()
    expect(page.get_by_label("Step 2 title")).to_be_focused()
    page.reload()
    expect(page.get_by_label("Step 1 title")).to_have_value("Check the printer is on")
    expect(page.get_by_label("Step 2 title")).to_have_value("New step")


def test_a_type_change_that_drops_a_subtree_asks_first(login, northwind_admin, service_desk, live_server):
    draft = services.start_draft(northwind_admin, lockout_envelope())
    page = login(northwind_admin)
    page.goto(f"{live_server.url}/flows/drafts/{draft.pk}/edit/")
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    page.locator("#node-root-type").select_option("solution")

    expect(page.locator("#node-root-type")).to_have_value("question")
    assert dialogs == ["Make this a solution? The 3 nodes under it will be removed."]
    draft.refresh_from_db()
    assert draft.envelope == lockout_envelope()

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#node-root-type").select_option("action")

    expect(page.locator("#node-yes")).to_be_visible()
    expect(page.locator("#node-no")).to_have_count(0)


def test_edits_made_while_the_tree_is_redrawn_are_all_kept(login, northwind_admin, service_desk, live_server):
    # Two removes and a label typed before the first answer arrives: each posts from the tree on the page,
    # which the first answer replaces. htmx drops a waiting request whose form has left the page.
    draft = services.start_draft(northwind_admin, lockout_envelope())
    page = login(northwind_admin)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live_server.url}/flows/drafts/{draft.pk}/edit/")
    expect(page.get_by_text("Valid — ready to publish")).to_be_visible()

    page.evaluate(
        """() => {
            const button = (name) => [...document.querySelectorAll("#flow-tree button")].find(
                (b) => b.textContent.trim() === name);
            button("Remove “Can't tell”").click();
            const label = document.getElementById("node-no-label");
            label.value = "No, it is not locked";
            label.dispatchEvent(new Event("change", { bubbles: true }));
            button("Remove “Yes”").click();
        }"""
    )

    expect(page.locator("#node-root")).to_have_attribute("data-invalid", "")
    expect(page.locator("#node-root").get_by_text("Question needs 2-5 children")).to_be_visible()
    expect(page.get_by_role("textbox", name="Option 1")).to_have_value("No, it is not locked")
    expect_saved(page)
    draft.refresh_from_db()
    children = draft.envelope["tree_structure"]["children"]
    assert [(child["id"], child["label"]) for child in children] == [("no", "No, it is not locked")]


def test_text_typed_while_the_tree_is_redrawn_stays_on_screen(login, northwind_admin, service_desk, live_server):
    draft = services.start_draft(northwind_admin, lockout_envelope())
    page = login(northwind_admin)
    page.goto(f"{live_server.url}/flows/drafts/{draft.pk}/edit/")
    expect(page.get_by_text("Valid — ready to publish")).to_be_visible()

    # "Move down" redraws the tree; the label typed meanwhile saves after it, and the redraw must not show
    # the old label in its place.
    page.evaluate(
        """() => {
            document.getElementById("node-yes-down").click();
            const label = document.getElementById("node-yes-label");
            label.value = "Yes, locked";
            label.dispatchEvent(new Event("change", { bubbles: true }));
        }"""
    )

    expect(page.get_by_role("textbox", name="Option 1")).to_have_value("No")
    expect(page.get_by_role("textbox", name="Option 2")).to_have_value("Yes, locked")
    expect_saved(page)
    draft.refresh_from_db()
    assert [child["label"] for child in draft.envelope["tree_structure"]["children"]] == [
        "No",
        "Yes, locked",
        "Can't tell",
    ]
    page.reload()
    expect(page.get_by_role("textbox", name="Option 2")).to_have_value("Yes, locked")


def test_quick_step_edits_each_do_what_their_button_says(login, northwind_admin, service_desk, live_server):
    # A step's buttons share one form: each queued request must carry the button that was pressed.
    steps = [
        {"id": "s1", "title": "Create", "instructions": "Create the user."},
        {"id": "s2", "title": "Licence", "instructions": "Assign E3."},
        {"id": "s3", "title": "Mailbox", "instructions": "Check the mailbox."},
    ]
    envelope = {"name": "New starter", "tree_type": "procedural", "tree_structure": {"steps": steps}}
    draft = services.start_draft(northwind_admin, envelope)
    page = login(northwind_admin)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live_server.url}/flows/drafts/{draft.pk}/edit/")
    expect(page.get_by_label("Step 3 title")).to_have_value("Mailbox")

    page.evaluate(
        """() => {
            const button = (name) => [...document.querySelectorAll("#flow-tree button")].find(
                (b) => b.textContent.trim() === name);
            button("Move step 3 up").click();
            button("Remove step 1").click();
            const title = document.getElementById("node-s2-title");
            title.value = "Licence (E3)";
            title.dispatchEvent(new Event("change", { bubbles: true }));
        }"""
    )

    expect(page.get_by_label("Step 2 title")).to_have_value("Licence (E3)")
    expect(page.get_by_label("Step 1 title")).to_have_value("Mailbox")
    expect(page.get_by_label("Step 3 title")).to_have_count(0)
    expect_saved(page)
    draft.refresh_from_db()
    assert [step["title"] for step in draft.envelope["tree_structure"]["steps"]] == ["Mailbox", "Licence (E3)"]
