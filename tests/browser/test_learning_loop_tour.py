"""The product's promise in a browser: what one engineer learns, the next engineer is guided by.

Engineer A starts from a (fake) PSA ticket for a problem no flow covers, records it in capture mode (a password
typed in a finding shows hidden) and resolves it: the note and the time entry reach the PSA. The analysis runs;
admin B sees the proposed flow drawn as a tree, with what was generalised, and approves it. Engineer C types
the same problem in other words and is guided by the new flow to its fix; resolving reinforces it. Engineer D
leaves the flow with a free-text answer; the enhancement shows the new branch as a diff, and B publishes it
with Edit & Publish (version 2). The analytics page shows the sessions and the PSA figures.

Each stage's screenshot goes to $TOUR_DIR: `make tour` sets it to docs/tour/ (the README shows them); otherwise
(in `make test`) a temporary folder, so tracked files stay as they are.
"""

import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from flowpilot.models import AISession, PsaPush, PsaUserIdentity
from flowpilot.psa.connectors.base import Provider
from flowpilot.psa.demo_connection import connect_to_fake
from flowpilot.psa.fake import FakePsa
from flowpilot.psa.sender import send_due_pushes
from knowledge.models import FlowProposal, Tree
from knowledge.starter import import_starter_library
from resolutionflow.models import Role
from resolutionflow.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

SESSION_URL = re.compile(r"/sessions/[0-9a-f-]{36}/$")
PROBLEM = "Yealink desk phones have one-way audio on external calls since the router swap"
PARAPHRASE = "Yealink phones: one way audio when calling external numbers after the new router"
PASSWORD = "Welcome2024!"
NEW_BRANCH = "SIP ALG already off; QoS drops the RTP packets"
VIEWPORT = {"width": 1360, "height": 900}


@pytest.fixture
def tour_dir(tmp_path) -> Path:
    folder = Path(os.environ.get("TOUR_DIR") or tmp_path / "tour")
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):  # regenerated as a whole: no screenshot of an older tour stays behind
        old.unlink()
    return folder


@pytest.fixture
def people(northwind, northwind_engineer, northwind_admin, service_desk):
    sam = UserFactory(email="sam@northwind.test", full_name="Sam Patel", account=northwind, team=service_desk)
    dana = UserFactory(email="dana@northwind.test", full_name="Dana Kim", account=northwind, team=service_desk)
    for user in (sam, dana):
        user.role = Role.ENGINEER
        user.save(update_fields=["role"])
    return {"A": northwind_engineer, "B": northwind_admin, "C": sam, "D": dana}


@pytest.fixture
def fake_psa(settings, northwind, people):
    """Northwind connected to the fake PSA as ConnectWise; engineer A is its member 148."""
    from cryptography.fernet import Fernet

    settings.PSA_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with FakePsa() as fake:
        connect_to_fake(northwind, fake.url)
        PsaUserIdentity.objects.create(account=northwind, user=people["C"], member_id="152", member_identifier="sam")
        yield fake


class Tour:
    """Signs people in, each in their own browser context, and numbers the screenshots of each stage."""

    def __init__(self, browser, base_url: str, folder: Path):
        self.browser, self.base_url, self.folder, self.count = browser, base_url, folder, 0

    def sign_in(self, user):
        page = self.browser.new_context(viewport=VIEWPORT).new_page()
        page.goto(f"{self.base_url}/accounts/login/")
        page.get_by_label("E-mail").fill(user.email)
        page.get_by_label("Password").fill(DEFAULT_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{self.base_url}/")
        return page

    def shot(self, page, name: str, *, full_page: bool = True):
        self.count += 1
        page.wait_for_load_state("networkidle")
        page.screenshot(path=self.folder / f"{self.count:02d}-{name}.png", full_page=full_page)


def resolve(page, summary: str, minutes: str | None = None):
    page.get_by_role("link", name=re.compile("^Resolve")).first.click()
    dialog = page.get_by_role("dialog", name="Resolve the session")
    dialog.get_by_label("How was it resolved?").fill(summary)
    if minutes is not None:
        dialog.get_by_label("Time to log on the ticket (minutes)").fill(minutes)
    dialog.get_by_role("button", name="Resolve session").click()
    expect(page.locator("#session-documentation")).to_be_visible()


def follow_to_the_fix(page):
    """Answer each step along the flow's first option (each action worked) until its solution is shown."""
    step = page.locator("#step-card")
    for _ in range(12):
        if step.get_by_role("link", name="Resolve with this").count():
            return
        number = int(re.search(r"step (\d+)", step.inner_text(), re.IGNORECASE).group(1))
        if step.locator('[data-option="1"]').count():
            step.locator('[data-option="1"]').click()
        else:
            step.get_by_label("What happened?").fill("Done")
            step.get_by_role("button", name="Worked").click()
        expect(step).to_contain_text(re.compile(rf"step {number + 1}\b", re.IGNORECASE))  # the next one swapped in
    raise AssertionError("the flow's solution was never shown")


def start_from_home(page, text: str):
    """The home page's intake: type the problem, start."""
    intake = page.locator('[data-home-block="start"]')
    intake.get_by_label("What's the problem?").fill(text)
    intake.get_by_role("button", name="Start session").click()
    page.wait_for_url(SESSION_URL)


def test_the_learning_loop_in_a_browser(browser, live_server, northwind, people, fake_psa, tour_dir):
    import_starter_library(northwind)  # 40 flows, none about desk phones
    tour = Tour(browser, live_server.url, tour_dir)
    ticket = next(t for t in fake_psa.tickets(Provider.CONNECTWISE) if not t.closed)

    # ── A: from the PSA ticket, a problem no flow covers, recorded in capture mode ──────────────────────
    a = tour.sign_in(people["A"])
    tour.shot(a, "engineer-home")
    a.locator('[data-home-block="start"]').get_by_label("…or start from a PSA ticket").fill(ticket.number)
    a.get_by_role("button", name="Read the ticket").click()
    expect(a.get_by_label("Client")).to_have_value(ticket.company)
    a.get_by_label("What's the problem?").fill(PROBLEM)
    tour.shot(a, "intake-from-ticket")
    a.get_by_role("button", name="Start session").click()
    a.wait_for_url(SESSION_URL)
    expect(a.locator("#psa-panel")).to_contain_text("Verified")

    card = a.locator("#step-card")
    for did, found in [
        ("Checked SIP ALG on the new router", f"SIP ALG enabled on HD-FW01; the router admin password is {PASSWORD}"),
        ("Disabled SIP ALG and rebooted the phones", "Two-way audio restored, confirmed with Jane Doe"),
    ]:
        card.get_by_label("What did you check or do?").fill(did)
        card.get_by_label("What did you find?").fill(found)
        card.get_by_role("button", name="Record step").click()
        expect(a.locator("#timeline")).to_contain_text(did)
    expect(a.locator("#timeline .secret-hidden")).to_have_count(1)
    expect(a.locator("body")).not_to_contain_text(PASSWORD)
    tour.shot(a, "capture-with-hidden-password")

    resolve(a, "Disabled SIP ALG on the router and rebooted the phones", minutes="25")
    assert send_due_pushes()["succeeded"] == 2  # the worker's run
    a.reload()
    expect(a.locator('#psa-panel [data-push-status="succeeded"]')).to_have_count(2)
    tour.shot(a, "resolved-note-and-time-sent-to-psa")
    notes = fake_psa.notes(Provider.CONNECTWISE, ticket.id)
    assert any("Disabled SIP ALG" in note.text for note in notes)
    assert all(PASSWORD not in note.text for note in notes)
    assert len(fake_psa.time_entries(Provider.CONNECTWISE, ticket.id)) == 1

    # ── The analysis (the worker, or cron's analyze_pending) ───────────────────────────────────────────
    call_command("analyze_pending")
    proposal = FlowProposal.objects.get(proposal_type="new_flow", status="pending")
    assert PASSWORD not in str(proposal.proposed_flow_data) and ticket.company not in str(proposal.proposed_flow_data)

    # ── B: the review queue, the proposal as a tree with what was generalised, approve ─────────────────
    b = tour.sign_in(people["B"])
    tour.shot(b, "admin-home")
    b.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile("Review Queue")).click()
    b.locator("[data-proposal-card]", has_text=proposal.title).click()
    detail = b.locator("#proposal-detail")
    tree = detail.get_by_role("tree", name="Flow")
    expect(tree).to_contain_text("SIP ALG")
    expect(tree).not_to_contain_text("HD-FW01")
    tree.scroll_into_view_if_needed()
    tour.shot(b, "review-new-flow-proposal")
    generalised = detail.locator("[data-generalised]")
    expect(generalised).to_contain_text("HD-FW01")  # what became a role word, for the reviewer to see (and undo)
    generalised.scroll_into_view_if_needed()
    tour.shot(b, "review-what-was-generalised")
    detail.get_by_label("Reviewer notes").fill("Matches the router vendor's advice")
    detail.get_by_role("button", name="Approve & Publish").click()
    expect(b.locator("#toasts")).to_contain_text("as a new flow")
    flow = Tree.objects.get(source_session__isnull=False, origin="ai_generated")
    assert flow.status == "published" and flow.version == 1

    # ── C: the same problem in other words is guided by the new flow to its fix ────────────────────────
    c = tour.sign_in(people["C"])
    start_from_home(c, PARAPHRASE)
    session_c = AISession.objects.get(engineer=people["C"])
    assert session_c.matched_flow_id == flow.pk and session_c.candidate_matches[0]["flow_id"] == str(flow.pk)
    assert session_c.confidence_tier == "guided"
    step = c.locator("#step-card")
    expect(step).to_contain_text("SIP ALG")
    tour.shot(c, "guided-by-the-new-flow")
    follow_to_the_fix(c)
    step.get_by_role("link", name="Resolve with this").click()
    c.get_by_role("dialog", name="Resolve the session").get_by_role("button", name="Resolve session").click()
    expect(c.locator("#session-documentation")).to_be_visible()
    flow.refresh_from_db()
    assert (flow.times_followed, flow.success_count) == (1, 1) and flow.last_matched_at is not None
    call_command("analyze_pending")
    assert FlowProposal.objects.filter(target_flow=flow, status="auto_reinforced").count() == 1
    c.goto(f"{live_server.url}/flows/{flow.pk}/")
    tour.shot(c, "flow-reinforced")

    # ── D: leaves the flow with a free-text answer; the enhancement shows the new branch ───────────────
    d = tour.sign_in(people["D"])
    start_from_home(d, PROBLEM)
    step = d.locator("#step-card")
    step.get_by_label("What happened?").fill("SIP ALG is off on this router")
    step.get_by_role("button", name="Worked").click()
    expect(step.locator('[data-option="1"]')).to_be_visible()
    step.get_by_text("Something else…", exact=True).click()
    step.get_by_label("What did you find instead?").fill(NEW_BRANCH)
    step.get_by_role("button", name="Continue with this").click()
    step.get_by_label("What did you check or do?").fill("Added a QoS rule for the RTP ports 10000-20000")
    step.get_by_label("What did you find?").fill("Audio is two-way on external calls")
    step.get_by_role("button", name="Record step").click()
    expect(d.locator("#timeline")).to_contain_text("Free-text escape")
    tour.shot(d, "left-the-flow-with-free-text")
    resolve(d, "Added a QoS rule for the RTP ports 10000-20000")
    call_command("analyze_pending")
    enhancement = FlowProposal.objects.get(proposal_type="enhancement", target_flow=flow, status="pending")

    # ── B: Edit & Publish the enhancement: version 2 ───────────────────────────────────────────────────
    b.goto(f"{live_server.url}/review/?proposal={enhancement.pk}")
    detail = b.locator("#proposal-detail")
    expect(detail).to_contain_text("Added branch")
    expect(detail).to_contain_text(NEW_BRANCH)
    detail.get_by_role("tree").get_by_text(NEW_BRANCH).first.scroll_into_view_if_needed()
    tour.shot(b, "enhancement-diff")
    detail.get_by_role("button", name="Edit & Publish").click()
    b.wait_for_url(re.compile(r"/flows/drafts/[0-9a-f-]{36}/edit/$"))
    expect(b.get_by_text("From a flow proposal")).to_be_visible()
    tour.shot(b, "edit-and-publish")
    b.get_by_text("Publish…").click()
    b.get_by_label("Note").fill("QoS branch from Dana's ticket")
    b.get_by_role("button", name="Publish", exact=True).click()
    b.wait_for_url(lambda url: "/drafts/" not in url)
    flow.refresh_from_db()
    assert flow.version == 2 and flow.origin == "ai_enhanced"
    assert FlowProposal.objects.get(pk=enhancement.pk).status == "modified"

    # ── B: analytics shows the sessions and the PSA figures ────────────────────────────────────────────
    b.goto(f"{live_server.url}/analytics/?period=7d")
    expect(b.locator('[data-metric="total_sessions"]')).to_contain_text("3")
    expect(b.get_by_role("main")).to_contain_text("PSA")
    tour.shot(b, "analytics")
    assert PsaPush.objects.filter(status="succeeded").count() == 2
    assert len(list(tour_dir.glob("*.png"))) == tour.count
