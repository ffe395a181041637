"""The session list's pages keep every filter of the URL (the shared pager, components/pager.html)."""

from flowpilot.tests.factories import AISessionFactory
from resolutionflow.testing import HTMX, pager_link

FILTERS = {"scope": "team", "status": "resolved", "domain": "vpn", "tier": "guided"}


def test_next_and_previous_keep_scope_status_domain_and_tier(client, northwind_engineer):
    AISessionFactory.create_batch(
        30, engineer=northwind_engineer, problem_domain="vpn", confidence_tier="guided", status="resolved"
    )
    client.force_login(northwind_engineer)

    first = client.get("/sessions/", FILTERS).content.decode()
    path, query = pager_link(first, "next")
    second = client.get(path, query, **HTMX).content.decode()

    assert (path, query) == ("/sessions/", {**FILTERS, "page": "2"})
    assert pager_link(second, "prev") == ("/sessions/", {**FILTERS, "page": "1"})
