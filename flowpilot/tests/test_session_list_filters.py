"""The session list's filters (status, problem domain, confidence tier), in the page and the API, all in the URL."""

import pytest

from flowpilot.tests.factories import AISessionFactory
from resolutionflow.testing import HTMX


def listed(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_the_domain_filter_lists_only_that_domains_sessions(engineer_client, northwind_engineer):
    AISessionFactory(engineer=northwind_engineer, problem_summary="VPN drops every hour", problem_domain="vpn")
    AISessionFactory(engineer=northwind_engineer, problem_summary="Printer jams on floor 2", problem_domain="printing")

    page = listed(engineer_client.get("/sessions/?domain=vpn"))

    assert "VPN drops every hour" in page and "Printer jams" not in page


def test_the_unknown_domain_lists_the_sessions_without_a_domain(engineer_client, northwind_engineer):
    AISessionFactory(engineer=northwind_engineer, problem_summary="Something odd", problem_domain=None)
    AISessionFactory(engineer=northwind_engineer, problem_summary="Printer jams on floor 2", problem_domain="printing")

    page = listed(engineer_client.get("/sessions/?domain=unknown"))

    assert "Something odd" in page and "Printer jams" not in page


def test_the_tier_filter_lists_only_that_tiers_sessions(engineer_client, northwind_engineer):
    AISessionFactory(engineer=northwind_engineer, problem_summary="Guided lockout", confidence_tier="guided")
    AISessionFactory(engineer=northwind_engineer, problem_summary="Novel fix", confidence_tier="discovery")

    page = listed(engineer_client.get("/sessions/?tier=guided"))

    assert "Guided lockout" in page and "Novel fix" not in page


def test_the_domain_and_tier_filters_combine_with_scope_and_status(
    engineer_client, northwind_engineer, northwind_owner
):
    AISessionFactory(
        engineer=northwind_owner, problem_summary="Owner VPN escalated", problem_domain="vpn", status="escalated"
    )
    AISessionFactory(engineer=northwind_owner, problem_summary="Owner VPN resolved", problem_domain="vpn")
    AISessionFactory(
        engineer=northwind_owner, problem_summary="Owner backup escalated", problem_domain="backup", status="escalated"
    )

    page = listed(engineer_client.get("/sessions/?scope=all&status=escalated&domain=vpn"))

    assert "Owner VPN escalated" in page
    assert "Owner VPN resolved" not in page and "Owner backup escalated" not in page


def test_the_filter_form_shows_the_chosen_domain_and_tier_and_keeps_scope_and_status(engineer_client):
    page = listed(engineer_client.get("/sessions/?scope=all&status=resolved&domain=vpn&tier=guided"))

    assert '<option value="vpn" selected>' in page and '<option value="guided" selected>' in page
    assert '<input type="hidden" name="scope" value="all">' in page
    assert '<input type="hidden" name="status" value="resolved">' in page


def test_tabs_status_links_and_pages_keep_the_domain_and_tier(engineer_client, northwind_engineer):
    for n in range(30):
        AISessionFactory(
            engineer=northwind_engineer, problem_summary=f"VPN {n}", problem_domain="vpn", confidence_tier="guided"
        )

    page = listed(engineer_client.get("/sessions/?domain=vpn&tier=guided"))

    assert 'href="/sessions/?scope=all&amp;domain=vpn&amp;tier=guided"' in page
    assert 'href="/sessions/?status=resolved&amp;domain=vpn&amp;tier=guided"' in page
    assert 'href="/sessions/?domain=vpn&amp;tier=guided&amp;page=2"' in page


def test_an_htmx_filter_change_returns_the_filtered_results_only(engineer_client, northwind_engineer):
    AISessionFactory(engineer=northwind_engineer, problem_summary="VPN drops every hour", problem_domain="vpn")
    AISessionFactory(engineer=northwind_engineer, problem_summary="Printer jams on floor 2", problem_domain="printing")

    page = listed(engineer_client.get("/sessions/?domain=printing", **HTMX))

    assert page.lstrip().startswith('<div id="session-results"') and "<html" not in page
    assert "Printer jams" in page and "VPN drops" not in page


def test_a_filtered_empty_list_says_nothing_matches_rather_than_no_sessions_yet(engineer_client, northwind_engineer):
    AISessionFactory(engineer=northwind_engineer, problem_domain="vpn")

    page = listed(engineer_client.get("/sessions/?domain=printing"))

    assert "No sessions here" in page and "No sessions yet" not in page


@pytest.mark.parametrize("query", ["domain=nonsense", "tier=psychic", "status=bogus", "scope=everyone", "page=-3"])
def test_an_unknown_filter_value_is_ignored(engineer_client, northwind_engineer, query):
    AISessionFactory(engineer=northwind_engineer, problem_summary="VPN drops every hour", problem_domain="vpn")

    page = listed(engineer_client.get(f"/sessions/?{query}"))

    assert "VPN drops every hour" in page


def test_the_api_filters_by_problem_domain_and_confidence_tier(api_as, northwind_engineer):
    AISessionFactory(
        engineer=northwind_engineer, problem_summary="VPN guided", problem_domain="vpn", confidence_tier="guided"
    )
    AISessionFactory(engineer=northwind_engineer, problem_summary="VPN discovery", problem_domain="vpn")
    AISessionFactory(engineer=northwind_engineer, problem_summary="Printer", problem_domain="printing")
    client = api_as(northwind_engineer)

    by_domain = client.get("/api/v1/ai-sessions?problem_domain=vpn").json()
    by_both = client.get("/api/v1/ai-sessions?problem_domain=vpn&confidence_tier=guided").json()

    rows = by_domain["results"] if isinstance(by_domain, dict) else by_domain
    assert sorted(row["problem_summary"] for row in rows) == ["VPN discovery", "VPN guided"]
    rows = by_both["results"] if isinstance(by_both, dict) else by_both
    assert [row["problem_summary"] for row in rows] == ["VPN guided"]
