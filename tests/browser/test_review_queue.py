import re

import pytest
from playwright.sync_api import expect

from knowledge.models import FlowProposal, Tree
from knowledge.tests.factories import ProposalFactory, QuestionTreeFactory, TreeFactory
from tests.browser.test_flow_editor import expect_saved

pytestmark = pytest.mark.django_db(transaction=True)


def watch_console(page):
    """Console errors, so a journey can prove the CSP refused nothing."""
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return errors


def open_queue(page, live_server):
    page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile("Review Queue")).click()
    page.wait_for_url(f"{live_server.url}/review/")
    # Set on the page: still there after an action proves the answer was swapped in, not reloaded.
    page.evaluate("window.sameDocument = true")


def card(page, title):
    return page.locator("[data-proposal-card]", has_text=title)


def test_an_admin_approves_a_new_flow_and_finds_it_in_the_library(
    login, live_server, northwind_admin, northwind_engineer
):
    proposal = ProposalFactory(engineer=northwind_engineer, title="Plotter prints blank pages", confidence_score=0.853)
    page = login(northwind_admin)
    errors = watch_console(page)
    open_queue(page, live_server)

    expect(card(page, "Plotter prints blank pages")).to_contain_text("85.3 %")
    card(page, "Plotter prints blank pages").click()
    expect(page.get_by_role("heading", name="Plotter prints blank pages", level=2)).to_be_focused()
    assert page.url == f"{live_server.url}/review/?proposal={proposal.pk}"
    expect(page.get_by_role("tree", name="Flow")).to_contain_text("Is the account locked out?")

    page.get_by_label("Reviewer notes").fill("Matches what the plotter vendor says")
    page.get_by_role("button", name="Approve & Publish").click()

    expect(page.locator("#toasts")).to_contain_text("Published “Plotter prints blank pages” as a new flow.")
    expect(card(page, "Plotter prints blank pages")).to_contain_text("Approved")
    expect(page.get_by_role("link", name=re.compile(r"Approved\s*1"))).to_be_visible()
    expect(page.locator("#proposal-detail")).to_contain_text("Notes: Matches what the plotter vendor says")
    assert page.evaluate("window.sameDocument") is True
    flow = Tree.objects.get(name="Plotter prints blank pages")
    assert (flow.status, flow.origin) == ("published", "ai_generated")

    page.locator("#proposal-detail").get_by_role("link", name="Plotter prints blank pages").click()
    page.wait_for_url(f"{live_server.url}/flows/{flow.pk}/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Flows").click()
    expect(page.get_by_role("main").get_by_role("link", name="Plotter prints blank pages")).to_be_visible()
    assert not [error for error in errors if "Content Security Policy" in error or "Refused" in error], errors


def test_edit_and_publish_an_enhancement_publishes_a_new_version_and_marks_the_proposal_modified(
    login, live_server, northwind, northwind_admin, northwind_engineer
):
    flow = TreeFactory(account=northwind, name="Printer offline", problem_domain="printing")
    proposal = ProposalFactory(
        engineer=northwind_engineer,
        proposal_type="enhancement",
        target_flow=flow,
        target_flow_version=flow.version,
        proposed_flow_data={
            **flow.envelope(),
            "tree_structure": QuestionTreeFactory(options=("Yes", "No", "Paper jam")),
        },
        title="Add paper jam",
    )
    page = login(northwind_admin)
    open_queue(page, live_server)
    card(page, "Add paper jam").click()

    detail = page.locator("#proposal-detail")
    expect(detail).to_contain_text("The change to “Printer offline”")
    expect(detail).to_contain_text("Added branch")
    expect(detail.get_by_role("button", name="Approve & Publish")).to_have_count(0)
    detail.get_by_role("button", name="Edit & Publish").click()

    page.wait_for_url(re.compile(r"/flows/drafts/[0-9a-f-]{36}/edit/$"))
    expect(page.get_by_text("From a flow proposal")).to_be_visible()
    label = page.get_by_role("textbox", name="Option 3")
    expect(label).to_have_value("Paper jam")
    label.fill("Paper jam in tray 2")
    label.press("Tab")
    expect_saved(page)
    page.get_by_text("Publish…").click()
    page.get_by_label("Note").fill("Checked with the tray 2 tickets")
    page.get_by_role("button", name="Publish", exact=True).click()
    page.wait_for_url(lambda url: "/drafts/" not in url)

    flow.refresh_from_db()
    assert flow.version == 2 and flow.origin == "ai_enhanced"
    assert [c["label"] for c in flow.tree_structure["children"]] == ["Yes", "No", "Paper jam in tray 2"]
    reviewed = FlowProposal.objects.get(pk=proposal.pk)
    assert reviewed.status == "modified" and reviewed.published_flow_id == flow.pk
    page.goto(f"{live_server.url}/review/?tab=approved")
    expect(card(page, "Add paper jam")).to_contain_text("Modified")


def test_an_admin_rejects_a_proposal_with_a_reason(login, live_server, northwind_admin, northwind_engineer):
    proposal = ProposalFactory(engineer=northwind_engineer, title="Restart the spooler weekly")
    page = login(northwind_admin)
    open_queue(page, live_server)
    card(page, "Restart the spooler weekly").click()

    page.get_by_text("Reject…").click()
    reason = page.get_by_label("Why reject it?")
    expect(reason).to_be_focused()
    reason.fill("A scheduled restart hides the driver fault")
    page.get_by_role("button", name="Reject proposal").click()

    expect(page.locator("#toasts")).to_contain_text("Rejected. The reason is kept with the proposal.")
    expect(page.locator("#proposal-detail")).to_contain_text("Reason: A scheduled restart hides the driver fault")
    expect(card(page, "Restart the spooler weekly")).to_contain_text("Rejected")
    rejected = FlowProposal.objects.get(pk=proposal.pk)
    assert rejected.status == "rejected" and rejected.reviewer_notes == "A scheduled restart hides the driver fault"


def test_a_refused_dismiss_shows_a_warning_and_leaves_the_card_as_it_was(
    login, live_server, northwind_admin, northwind_engineer, northwind_owner
):
    proposal = ProposalFactory(engineer=northwind_engineer, title="Scanner saves to the wrong share")
    page = login(northwind_admin)
    open_queue(page, live_server)
    card(page, "Scanner saves to the wrong share").click()
    dismiss = page.locator("#proposal-detail").get_by_role("button", name="Dismiss")
    expect(dismiss).to_be_visible()
    # Someone else reviews it while the page is open.
    FlowProposal.objects.filter(pk=proposal.pk).update(status="approved", reviewed_by=northwind_owner)

    dismiss.click()

    toast = page.locator("#toasts [data-toast]")
    expect(toast).to_contain_text("This proposal was already reviewed.")
    expect(toast).to_have_attribute("data-level", "warning")
    expect(card(page, "Scanner saves to the wrong share")).not_to_contain_text("Approved")
    expect(card(page, "Scanner saves to the wrong share")).not_to_contain_text("Dismissed")
    expect(dismiss).to_be_visible()
    assert FlowProposal.objects.get(pk=proposal.pk).status == "approved"


def test_the_queue_works_from_the_keyboard(login, live_server, northwind_admin, northwind_engineer):
    ProposalFactory(engineer=northwind_engineer, title="Older proposal")
    newer = ProposalFactory(engineer=northwind_engineer, title="Newer proposal")
    page = login(northwind_admin)
    open_queue(page, live_server)

    page.keyboard.press("j")
    expect(card(page, "Newer proposal")).to_be_focused()
    page.keyboard.press("j")
    expect(card(page, "Older proposal")).to_be_focused()
    page.keyboard.press("k")
    expect(card(page, "Newer proposal")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Newer proposal", level=2)).to_be_focused()
    expect(card(page, "Newer proposal")).to_have_attribute("aria-current", "true")
    assert page.url == f"{live_server.url}/review/?proposal={newer.pk}"
    page.keyboard.press("Escape")
    expect(card(page, "Newer proposal")).to_be_focused()
    page.keyboard.press("j")
    expect(card(page, "Older proposal")).to_be_focused()

    page.keyboard.press("k")
    page.keyboard.press("Enter")
    dismiss = page.locator("#proposal-detail").get_by_role("button", name="Dismiss")
    for _ in range(40):
        if dismiss.evaluate("button => button === document.activeElement"):
            break
        page.keyboard.press("Tab")
    expect(dismiss).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#toasts")).to_contain_text("Dismissed.")
    assert FlowProposal.objects.get(pk=newer.pk).status == "dismissed"


def test_filters_are_in_the_url_and_the_back_button_restores_them(
    login, live_server, northwind_admin, northwind_engineer
):
    ProposalFactory(engineer=northwind_engineer, title="Printer jams", problem_domain="printing")
    ProposalFactory(engineer=northwind_engineer, title="VPN drops hourly", problem_domain="vpn")
    page = login(northwind_admin)
    open_queue(page, live_server)

    page.get_by_label("Domain").select_option("vpn")
    page.wait_for_url(re.compile(r"domain=vpn"))
    expect(card(page, "Printer jams")).to_have_count(0)
    expect(card(page, "VPN drops hourly")).to_be_visible()
    page.get_by_role("link", name=re.compile(r"Dismissed\s*0")).click()
    page.wait_for_url(re.compile(r"tab=dismissed.*domain=vpn"))
    expect(page.get_by_text("No proposals here")).to_be_visible()

    page.go_back()
    page.wait_for_url(re.compile(r"tab=pending&domain=vpn"))
    expect(card(page, "VPN drops hourly")).to_be_visible()
    page.go_back()
    page.wait_for_url(f"{live_server.url}/review/")
    expect(card(page, "Printer jams")).to_be_visible()
    assert page.evaluate("window.sameDocument") is True
