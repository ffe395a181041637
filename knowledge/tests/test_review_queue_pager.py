"""The review queue's pages keep the tab, the domain and the sort, also when opened on a proposal."""

from knowledge.tests.factories import ProposalFactory
from resolutionflow.testing import HTMX, pager_link

FILTERS = {"tab": "all", "domain": "vpn", "sort": "confidence"}


def test_next_and_previous_keep_tab_domain_and_sort(client, northwind_admin, northwind_engineer):
    ProposalFactory.create_batch(30, engineer=northwind_engineer, problem_domain="vpn")
    client.force_login(northwind_admin)

    first = client.get("/review/", FILTERS).content.decode()
    path, query = pager_link(first, "next")
    second = client.get(path, query, **HTMX).content.decode()

    assert (path, query) == ("/review/", {**FILTERS, "page": "2"})
    assert pager_link(second, "prev") == ("/review/", {**FILTERS, "page": "1"})


def test_the_queue_opened_on_a_proposal_pages_the_queue_with_its_filters(client, northwind_admin, northwind_engineer):
    proposals = ProposalFactory.create_batch(30, engineer=northwind_engineer, problem_domain="vpn")
    client.force_login(northwind_admin)

    page = client.get(f"/review/{proposals[0].pk}/", FILTERS).content.decode()

    assert pager_link(page, "next") == ("/review/", {**FILTERS, "page": "2"})
