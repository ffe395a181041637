"""The script history's pages keep the query string they were opened with (the shared pager)."""

from resolutionflow.testing import pager_link
from scripts.tests.factories import ScriptGenerationFactory


def test_next_and_previous_keep_the_query_string(client, northwind_engineer):
    ScriptGenerationFactory.create_batch(55, user=northwind_engineer)
    client.force_login(northwind_engineer)

    first = client.get("/scripts/history/", {"q": "unlock"}).content.decode()
    path, query = pager_link(first, "next")
    second = client.get(path, query).content.decode()

    assert (path, query) == ("/scripts/history/", {"q": "unlock", "page": "2"})
    assert pager_link(second, "prev") == ("/scripts/history/", {"q": "unlock", "page": "1"})
