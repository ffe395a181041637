"""The flows library's pages keep the search, every filter and the sort (the shared pager)."""

from knowledge.tests.factories import TreeFactory
from resolutionflow.testing import pager_link

FILTERS = {"q": "VPN", "domain": "vpn", "origin": "manual", "tree_type": "troubleshooting", "sort": "usage"}


def test_next_and_previous_keep_the_search_filters_and_sort(client, northwind, northwind_engineer):
    for n in range(55):
        TreeFactory(account=northwind, name=f"VPN tunnel drops {n}", problem_domain="vpn", match_keywords=["vpn"])
    client.force_login(northwind_engineer)

    first = client.get("/flows/", FILTERS).content.decode()
    path, query = pager_link(first, "next")
    second = client.get(path, query).content.decode()

    assert (path, query) == ("/flows/", {**FILTERS, "page": "2"})
    assert "VPN tunnel drops" in second
    assert pager_link(second, "prev") == ("/flows/", {**FILTERS, "page": "1"})
