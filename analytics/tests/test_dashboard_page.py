"""The FlowPilot Analytics page: the API's numbers, shown readably; gaps and their actions; who may see it."""

import json
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from analytics import gaps
from flowpilot import engine, rollups
from flowpilot.models import AISession, TicketLink
from flowpilot.tests.factories import AISessionFactory, lockout_flow
from knowledge.models import FlowDraft
from knowledge.tests.factories import TreeFactory
from resolutionflow.testing import HTMX, hx_triggers

URL = "/analytics/"


@pytest.fixture(autouse=True)
def fresh_gap_cache():
    cache.clear()  # the gap report is cached per account
    yield
    cache.clear()


def recount():
    """Factory rows and bulk updates bypass the engine, which keeps the dashboard's day rollups."""
    rollups.rebuild_session_days()


def ago(**delta):
    return timezone.now() - timedelta(**delta)


def session(engineer, *, days_ago=2, minutes=30, status="resolved", **fields):
    created = ago(days=days_ago)
    closed = created + timedelta(minutes=minutes)
    made = AISessionFactory(
        engineer=engineer,
        created_at=created,
        status=status,
        resolved_at=closed if status == "resolved" else None,
        escalated_at=closed if status == "escalated" else None,
        abandoned_at=closed if status == "abandoned" else None,
        **fields,
    )
    number = (fields.get("intake_content") or {}).get("ticket_id")
    if number:  # a ticket read from the PSA: a verified link
        TicketLink.objects.create(
            account=made.account, session=made, provider="connectwise", number=number, status="verified"
        )
    return made


@pytest.fixture
def history(northwind, northwind_engineer):
    """A fortnight of sessions whose rates need rounding (2/3, 5/7...), and a few flows."""
    e = northwind_engineer
    session(
        e, days_ago=1, minutes=37, rating=5, confidence_tier="guided", intake_content={"text": "x", "ticket_id": "T1"}
    )
    session(e, days_ago=2, minutes=20, rating=4, confidence_tier="guided", problem_domain="vpn")
    session(e, days_ago=3, status="escalated", confidence_tier="exploring", problem_domain="vpn")
    session(e, days_ago=3, minutes=52, rating=4, confidence_tier="discovery", problem_domain=None)
    session(e, days_ago=4, status="abandoned", confidence_tier="guided")
    session(e, days_ago=5, minutes=41, confidence_tier="exploring", intake_content={"text": "x", "ticket_id": "T2"})
    session(e, days_ago=6, status="active", confidence_tier="discovery")
    session(e, days_ago=10, minutes=15, rating=3, confidence_tier="guided")  # the 7 days before
    session(e, days_ago=12, status="escalated", confidence_tier="guided", problem_domain="vpn")
    lockout_flow(northwind)
    TreeFactory(account=northwind, problem_domain="printing", name="Printer offline")
    TreeFactory(account=northwind, problem_domain="vpn", name="VPN drops")
    recount()


def chart_data(response) -> dict:
    found = re.search(r'<script id="analytics-data" type="application/json">(.*?)</script>', response.text, re.S)
    return json.loads(found.group(1))


def card_html(response, key) -> str:
    return response.text.split(f'data-metric="{key}"')[1].split('data-metric="')[0]


def card(response, key) -> str:
    return re.search(r"data-metric-value[^>]*>([^<]*)<", card_html(response, key)).group(1).strip()


def coverage_row(response, domain) -> str:
    found = re.search(rf'<tr data-domain="{domain}".*?</tr>', response.text, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0))).strip()


def one_decimal(value) -> str:
    return f"{value:.1f}"


# ── The page agrees with the API ─────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("period", ["7d", "30d", "90d"])
def test_the_page_and_the_api_show_the_same_numbers(team_admin_client, api_as, northwind_admin, history, period):
    api = api_as(northwind_admin).get(f"/api/v1/analytics/flowpilot?period={period}").json()

    response = team_admin_client.get(URL, {"period": period})

    assert response.status_code == 200
    assert chart_data(response) == api  # the charts draw exactly the API's data
    assert card(response, "total_sessions") == str(api["total_sessions"])
    assert card(response, "resolution_rate") == f"{one_decimal(api['resolution_rate'])} %"
    assert card(response, "mttr_minutes") == f"{one_decimal(api['mttr_minutes'])} min"
    assert card(response, "avg_rating") == one_decimal(api["avg_rating"])
    assert card(response, "ticket_link_rate") == f"{one_decimal(api['psa_metrics']['ticket_link_rate'])} %"
    tiers = api["confidence_breakdown"]
    for tier in ("guided", "exploring", "discovery"):
        shown = re.search(rf'data-tier="{tier}".*?data-tier-rate>([^<]*)<', response.text, re.S).group(1)
        rate = tiers[f"{tier}_resolution_rate"]
        assert shown == ("—" if rate is None else f"{one_decimal(rate)} %")
    for row in api["knowledge_coverage"]["coverage_by_domain"]:
        text = coverage_row(response, row["domain"])
        guided = "—" if row["guided_rate"] is None else f"{one_decimal(row['guided_rate'])} %"
        assert f"{row['flow_count']} {row['session_count']} {guided}" in text
        assert f'data-colour="{row["colour"]}"' in response.text


def test_the_hand_computed_week_reads_as_expected(team_admin_client, history):
    response = team_admin_client.get(URL, {"period": "7d"})

    assert card(response, "total_sessions") == "7"
    assert card(response, "resolution_rate") == "66.7 %"  # 4 resolved of 6 closed
    assert card(response, "mttr_minutes") == "37.5 min"  # (37 + 20 + 52 + 41) / 4
    assert card(response, "avg_rating") == "4.3"  # (5 + 4 + 4) / 3
    assert card(response, "ticket_link_rate") == "28.6 %"  # 2 of 7
    assert 'data-trend="up"' in card_html(response, "total_sessions")  # 7 sessions against 2 the week before
    assert "+5" in card_html(response, "total_sessions")


def test_every_rate_on_the_page_has_one_decimal(team_admin_client, history):
    response = team_admin_client.get(URL, {"period": "30d"})
    visible = re.sub(
        r'<script id="analytics-[a-z]+" type="application/json">.*?</script>', "", response.text, flags=re.S
    )

    assert re.findall(r"\d+\.\d{2,}\s*%", visible) == []
    assert re.findall(r"\d+\.\d{2,} (?:min|pts)", visible) == []
    assert "%" in visible


def test_the_trend_compares_with_the_previous_period(team_admin_client, history):
    response = team_admin_client.get(URL, {"period": "7d"})

    resolution = card_html(response, "resolution_rate")
    assert 'data-trend="up"' in resolution and "text-emerald-700" in resolution  # 66.7 % against 50.0 % (1 of 2)
    assert "+16.7 pts" in resolution and "vs 50.0 %" in resolution
    mttr = card_html(response, "mttr_minutes")
    assert 'data-trend="up"' in mttr and "text-red-700" in mttr  # 37.5 against 15.0 minutes: slower is bad news
    assert "+22.5 min" in mttr


# ── Period ───────────────────────────────────────────────────────────────────────────────────────────


def test_the_period_is_kept_in_the_url_and_marked_current(team_admin_client):
    response = team_admin_client.get(URL, {"period": "90d"})

    nav = re.search(r'<nav id="period-nav".*?</nav>', response.text, re.S).group(0)
    assert [m for m in re.findall(r'href="([^"]+)"', nav)] == [
        f"{URL}?period=7d",
        f"{URL}?period=30d",
        f"{URL}?period=90d",
    ]
    assert re.search(r'aria-current="page"[^>]*>\s*<span class="sr-only">Last </span>90 days', nav)
    assert chart_data(response)["period"] == "90d"


def test_without_a_period_the_page_shows_30_days(team_admin_client):
    assert chart_data(team_admin_client.get(URL))["period"] == "30d"


def test_an_unknown_period_shows_30_days_with_a_warning(team_admin_client):
    response = team_admin_client.get(URL, {"period": "365d"})

    assert response.status_code == 200
    assert chart_data(response)["period"] == "30d"
    assert "“365d” is not a period this page shows: here are the last 30 days." in response.text


# ── Access ───────────────────────────────────────────────────────────────────────────────────────────


def test_an_engineer_gets_403(client, northwind_engineer):
    client.force_login(northwind_engineer)

    assert client.get(URL).status_code == 403
    assert client.post(reverse("analytics:refresh-gaps")).status_code == 403
    assert client.post(reverse("analytics:create-flow"), {"gap_id": "x"}).status_code == 403


def test_an_owner_sees_the_page_and_the_sidebar_links_it(client, northwind_owner):
    client.force_login(northwind_owner)

    response = client.get(URL)

    assert response.status_code == 200
    assert re.search(r'href="/analytics/" aria-current="page"[^>]*>.*?FlowPilot Analytics', response.text, re.S)


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_only_the_users_account_is_counted(team_admin_client, contoso_engineer, history):
    session(contoso_engineer, days_ago=1)
    TreeFactory(account=contoso_engineer.account, name="Contoso only flow")
    recount()

    response = team_admin_client.get(URL, {"period": "7d"})

    assert card(response, "total_sessions") == "7"
    assert "Contoso only flow" not in response.text


# ── Empty states ─────────────────────────────────────────────────────────────────────────────────────


def test_an_account_without_data_reads_as_empty_not_broken(team_admin_client):
    response = team_admin_client.get(URL, {"period": "7d"})

    assert response.status_code == 200
    assert "<canvas" not in response.text
    for text in ("No resolutions yet", "No sessions in this period", "No knowledge gaps found", "No published flows"):
        assert text in response.text
    assert card(response, "total_sessions") == "0" and card(response, "resolution_rate") == "—"
    assert 'data-trend="none"' in response.text


def test_charts_get_canvases_when_there_is_data(team_admin_client, history):
    response = team_admin_client.get(URL, {"period": "7d"})

    assert set(re.findall(r'<canvas data-chart="(\w+)"', response.text)) == {"mttr", "domains", "tiers"}
    assert '<script src="/static/vendor/chart.umd.min.js" defer>' in response.text
    assert '<script src="/static/js/analytics.js" defer>' in response.text
    assert " style=" not in response.text  # the CSP allows no inline styles


# ── Coverage ─────────────────────────────────────────────────────────────────────────────────────────


def test_the_coverage_legend_states_the_configured_thresholds(team_admin_client, settings):
    settings.COVERAGE_GREEN_GUIDED_RATE = 70.0
    settings.COVERAGE_GREEN_MIN_FLOWS = 4
    settings.COVERAGE_RED_GUIDED_RATE = 25.0

    response = team_admin_client.get(URL)

    assert "guided rate ≥ 70 % and at least 4 flows" in response.text
    assert "guided rate &lt; 25 % or an open high-severity gap" in response.text


def test_a_domain_with_an_open_high_severity_gap_is_red(team_admin_client, northwind_engineer):
    for _ in range(10):
        session(northwind_engineer, status="escalated", problem_domain="backup", confidence_tier="guided")
    recount()

    response = team_admin_client.get(URL)

    assert re.search(r'<tr data-domain="backup" data-colour="red">', response.text)
    assert "High" in coverage_row(response, "backup")


# ── Knowledge gaps ───────────────────────────────────────────────────────────────────────────────────


def uncharted(engineer, count=10, domain="security"):
    """`count` resolved capture sessions in one domain: a high uncharted-territory gap once count ≥ 10."""
    for n in range(count):
        started = engine.start_session(engineer, "Sophos firewall blocks the payroll portal", prefer_capture=True)
        engine.answer_step(started, free_text=f"Checked the web filter log {n}", result="Payroll portal blocked")
        engine.resolve_session(started, resolution_summary="Added a web exception for the payroll portal")
    AISession.objects.filter(account=engineer.account).update(problem_domain=domain, confidence_tier="discovery")
    recount()


def gap_card(response, gap_id) -> str:
    after = response.text.split(f'data-gap="{gap_id}"')[1]
    return after.split("data-gap=")[0].split('aria-labelledby="health-title"')[0]


def review_queue_url():
    try:
        return reverse("knowledge:review-queue")
    except NoReverseMatch:  # the review queue's pages are not routed in this build
        return None


def test_a_high_gap_card_shows_its_evidence_links_and_create_flow(team_admin_client, northwind_engineer):
    uncharted(northwind_engineer)
    [example, *_] = AISession.objects.all()

    response = team_admin_client.get(URL)

    body = gap_card(response, "uncharted_territory:security")
    assert "10 security problems solved with no flow" in body
    assert 'data-kind="high"' in body and "bg-red-50" in body
    assert "Sessions</dt>" in body and ">10</dd>" in body
    assert f'href="/sessions/{example.pk}/"' in response.text  # example sessions are real links
    assert body.count("/sessions/") == 3
    assert "Suggested action:" in body and "create a flow from the most complete session" in body
    assert 'name="gap_id" value="uncharted_territory:security"' in body and "Create flow" in body
    if review_queue_url():
        assert f'href="{review_queue_url()}?domain=security"' in body


def test_create_flow_opens_the_editor_on_a_draft_with_the_suggested_structure(
    team_admin_client, northwind_engineer, northwind_admin
):
    uncharted(northwind_engineer)

    response = team_admin_client.post(reverse("analytics:create-flow"), {"gap_id": "uncharted_territory:security"})

    draft = FlowDraft.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("knowledge:draft-edit", args=[draft.pk])
    assert draft.author == northwind_admin and draft.source_kind == "gap"
    assert draft.envelope["name"] == "Sophos firewall blocks the payroll portal"
    assert draft.envelope["tree_structure"]["instructions"].startswith("Check the web filter log")
    editor = team_admin_client.get(response["Location"])
    assert editor.status_code == 200 and "Sophos firewall blocks the payroll portal" in editor.text


def test_medium_and_low_gaps_offer_no_create_flow(team_admin_client, northwind_engineer):
    uncharted(northwind_engineer, count=5)

    body = gap_card(team_admin_client.get(URL), "uncharted_territory:security")

    assert 'data-kind="medium"' in body and "Create flow" not in body


def test_a_high_escalation_gap_links_to_the_escalated_sessions_instead(team_admin_client, northwind_engineer):
    for _ in range(10):
        session(northwind_engineer, status="escalated", problem_domain="backup")
    recount()

    body = gap_card(team_admin_client.get(URL), "high_escalation:backup")

    assert 'href="/sessions/?scope=all&amp;status=escalated&amp;domain=backup"' in body
    assert "See escalated sessions" in body
    assert "Create flow" not in body
    assert "Escalation rate</dt>" in body and "100.0 %" in body


def test_create_flow_refuses_a_gap_without_a_suggested_structure(team_admin_client, northwind_engineer):
    for _ in range(10):
        session(northwind_engineer, status="escalated", problem_domain="backup")
    recount()

    response = team_admin_client.post(reverse("analytics:create-flow"), {"gap_id": "high_escalation:backup"})

    assert response.status_code == 302 and response["Location"] == reverse("analytics:dashboard")
    assert not FlowDraft.objects.exists()
    page = team_admin_client.get(response["Location"]).text
    assert "This kind of gap has no suggested structure." in page


def test_create_flow_over_htmx_refuses_a_gap_without_a_suggested_structure_with_422(
    team_admin_client, northwind_engineer
):
    for _ in range(10):
        session(northwind_engineer, status="escalated", problem_domain="backup")
    recount()

    response = team_admin_client.post(reverse("analytics:create-flow"), {"gap_id": "high_escalation:backup"}, **HTMX)

    assert response.status_code == 422 and "toast" in hx_triggers(response)
    assert not FlowDraft.objects.exists()


def test_create_flow_for_a_gap_no_longer_reported_is_404(team_admin_client):
    response = team_admin_client.post(reverse("analytics:create-flow"), {"gap_id": "uncharted_territory:security"})

    assert response.status_code == 404


def test_create_flow_is_a_post(team_admin_client):
    assert team_admin_client.get(reverse("analytics:create-flow")).status_code == 405


def test_a_gap_of_a_kind_the_page_does_not_know_still_renders_with_the_neutral_style(team_admin_client, monkeypatch):
    odd = {
        "id": "stale_flow:x",
        "gap_type": "stale_flow",
        "domain": None,
        "severity": "urgent",
        "title": "A flow nobody updated",
        "description": "New kind of signal.",
        "evidence": {"sessions": 4, "age_days": 400, "example_session_ids": []},
        "suggested_action": "Review it.",
    }
    report = {"generated_at": timezone.now().isoformat(), "gaps": [odd]}
    monkeypatch.setattr(gaps, "report", lambda account, refresh=False: report)

    response = team_admin_client.get(URL)

    body = gap_card(response, "stale_flow:x")
    assert response.status_code == 200
    assert 'data-kind="urgent"' in body and "bg-zinc-100" in body  # the badge's neutral fallback
    assert "Stale flow" in body and "Age days</dt>" in body and ">400</dd>" in body
    assert "Create flow" not in body


def test_refresh_gaps_recomputes_the_cached_report_with_a_toast(team_admin_client, northwind, northwind_engineer):
    team_admin_client.get(URL)  # caches a report without gaps
    uncharted(northwind_engineer)
    assert "uncharted_territory:security" not in team_admin_client.get(URL).text  # still the cached one

    response = team_admin_client.post(reverse("analytics:refresh-gaps"), {"period": "7d"}, follow=True)

    assert response.redirect_chain == [(f"{URL}?period=7d", 302)]
    assert 'data-gap="uncharted_territory:security"' in response.text
    found = len(gaps.report(northwind)["gaps"])  # the refreshed report, now cached
    assert f"Knowledge gaps recomputed: {found} found." in response.text  # shown as a toast


def test_refresh_gaps_is_a_post(team_admin_client):
    assert team_admin_client.get(reverse("analytics:refresh-gaps")).status_code == 405


# ── Flow health ──────────────────────────────────────────────────────────────────────────────────────


def test_the_flow_health_table_and_guided_accuracy(team_admin_client, northwind, northwind_engineer):
    flow = lockout_flow(northwind)
    escaped = engine.start_session(
        northwind_engineer, "User can't sign in, account locked out in Active Directory again"
    )
    engine.answer_step(escaped, free_text="The account is disabled, not locked")
    engine.resolve_session(escaped, resolution_summary="Re-enabled the account")
    followed = engine.start_session(
        northwind_engineer, "User can't sign in, account locked out in Active Directory again"
    )
    engine.answer_step(followed, selected_option="No")
    engine.resolve_session(followed, resolution_summary="Reset the password")

    response = team_admin_client.get(URL)

    row = re.search(rf'<tr data-flow="{flow.pk}">.*?</tr>', response.text, re.S).group(0)
    cells = [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r'<td class="[^"]*text-right[^"]*"[^>]*>(.*?)</td>', row, re.S)
    ]
    assert cells[:5] == ["2", "2", "50.0 %", "50.0 %", "0"]  # matched, followed, success, escapes, reinforced
    accuracy = re.search(r"data-guided-accuracy>.*?</div>", response.text, re.S).group(0)
    assert "50.0 %" in accuracy and "of 2 closed guided sessions" in accuracy


def test_the_page_costs_a_bounded_number_of_queries(
    team_admin_client, northwind, northwind_engineer, django_assert_max_num_queries
):
    uncharted(northwind_engineer)
    for n in range(30):
        TreeFactory(account=northwind, name=f"Flow {n}", problem_domain="printing")
    team_admin_client.get(URL)  # warm the gap cache and the session

    with django_assert_max_num_queries(23):  # 20, and the PSA figures (2) and failed pushes badge (1)
        response = team_admin_client.get(URL)
    assert response.status_code == 200
