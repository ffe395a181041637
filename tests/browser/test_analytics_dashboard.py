import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from flowpilot import engine, rollups
from flowpilot.models import AISession
from flowpilot.tests.factories import AISessionFactory, lockout_flow
from knowledge.models import FlowDraft

pytestmark = pytest.mark.django_db(transaction=True)

DRAFT_URL = re.compile(r"/flows/drafts/[0-9a-f-]{36}/edit/$")

# Every chart canvas is drawn: Chart.js owns it and some pixel is not transparent.
CHARTS_DRAWN = """() => Array.from(document.querySelectorAll("canvas[data-chart]")).map((canvas) => {
  const chart = window.Chart.getChart(canvas);
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = false;
  for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) { painted = true; break; } }
  return canvas.dataset.chart + ":" + (chart ? "chart" : "none") + ":" + (painted ? "painted" : "blank");
})"""


def uncharted_security_problems(engineer, count=10):
    """Resolved discovery sessions with capture steps, all in one domain: a high uncharted-territory gap."""
    for n in range(count):
        session = engine.start_session(engineer, "Sophos firewall blocks the payroll portal", prefer_capture=True)
        engine.answer_step(session, free_text=f"Checked the web filter log on FW-0{n % 3}", result="Portal blocked")
        engine.resolve_session(session, resolution_summary="Added a web exception for the payroll portal")
    AISession.objects.update(problem_domain="security", confidence_tier="discovery")
    rollups.rebuild_session_days()  # the bulk update bypasses the engine, which keeps the day rollups


def recent_history(engineer):
    now = timezone.now()
    for days, status, tier, domain in [
        (1, "resolved", "guided", "active_directory"),
        (2, "resolved", "guided", "printing"),
        (3, "escalated", "exploring", "printing"),
        (12, "resolved", "guided", "vpn"),
        (20, "resolved", "exploring", "vpn"),
    ]:
        created = now - timedelta(days=days)
        AISessionFactory(
            engineer=engineer,
            created_at=created,
            status=status,
            confidence_tier=tier,
            problem_domain=domain,
            rating=4,
            resolved_at=created + timedelta(minutes=25) if status == "resolved" else None,
            escalated_at=created + timedelta(minutes=40) if status == "escalated" else None,
        )


def assert_charts_drawn(page):
    expect(page.locator("canvas[data-chart]")).to_have_count(3)
    page.wait_for_function("() => Object.keys(window.Chart.instances).length === 3")
    assert sorted(page.evaluate(CHARTS_DRAWN)) == [
        "domains:chart:painted",
        "mttr:chart:painted",
        "tiers:chart:painted",
    ]


def test_an_admin_reads_the_dashboard_switches_period_and_creates_a_flow_from_a_gap(
    login, northwind, northwind_engineer, northwind_admin, live_server
):
    cache.clear()
    lockout_flow(northwind)
    uncharted_security_problems(northwind_engineer)
    recent_history(northwind_engineer)
    rollups.rebuild_session_days()  # factory rows bypass the engine too
    page = login(northwind_admin)
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="FlowPilot Analytics").click()
    page.wait_for_url(f"{live_server.url}/analytics/")
    expect(page.get_by_role("heading", name="FlowPilot Analytics", level=1)).to_be_visible()
    expect(page.locator("[data-metric=total_sessions] [data-metric-value]")).to_have_text("15")
    assert_charts_drawn(page)

    page.get_by_role("navigation", name="Period").get_by_role("link", name="Last 7 days").click()
    page.wait_for_url(f"{live_server.url}/analytics/?period=7d")
    expect(page.get_by_role("link", name="Last 7 days")).to_have_attribute("aria-current", "page")
    expect(page.locator("[data-metric=total_sessions] [data-metric-value]")).to_have_text("13")
    assert_charts_drawn(page)

    gap = page.locator("[data-gap='uncharted_territory:security']")
    expect(gap).to_contain_text("10 security problems solved with no flow")
    expect(gap.locator("[data-kind=high]")).to_have_text("High")
    gap.get_by_role("button", name="Create flow").click()

    page.wait_for_url(DRAFT_URL)
    expect(page.get_by_role("heading", name="Sophos firewall blocks the payroll portal")).to_be_visible()
    expect(page.get_by_text("From a knowledge gap")).to_be_visible()
    expect(page.get_by_text(re.compile("Check the web filter log")).first).to_be_visible()
    draft = FlowDraft.objects.get()
    assert page.url.endswith(f"/flows/drafts/{draft.pk}/edit/") and draft.source_id == "uncharted_territory:security"
    assert problems == []  # no CSP violation, no script error


def test_refresh_gaps_recomputes_the_report_with_a_toast(
    login, northwind, northwind_engineer, northwind_admin, live_server
):
    cache.clear()
    page = login(northwind_admin)
    page.goto(f"{live_server.url}/analytics/?period=90d")
    expect(page.get_by_text("No knowledge gaps found")).to_be_visible()

    uncharted_security_problems(northwind_engineer)
    page.get_by_role("button", name="Refresh gaps").click()

    page.wait_for_url(f"{live_server.url}/analytics/?period=90d")
    expect(page.locator("#toasts")).to_contain_text(re.compile(r"Knowledge gaps recomputed: \d+ found\."))
    expect(page.locator("[data-gap='uncharted_territory:security']")).to_be_visible()


def test_an_engineer_gets_403_and_no_sidebar_entry(login, northwind_engineer, live_server):
    page = login(northwind_engineer)
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Sessions")).to_be_visible()
    expect(page.get_by_role("link", name="FlowPilot Analytics")).to_have_count(0)

    response = page.goto(f"{live_server.url}/analytics/")

    assert response.status == 403
