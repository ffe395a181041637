import pytest

from knowledge import services
from knowledge.models import TreeStatus
from knowledge.tests.factories import QuestionTreeFactory, TreeFactory
from resolutionflow.testing import HTMX, assert_foreign_404


@pytest.fixture
def lockout(northwind):
    return TreeFactory(
        account=northwind,
        name="AD account lockout",
        problem_domain="active_directory",
        match_keywords=["4740", "locked out"],
    )


def test_the_library_lists_the_accounts_flows(client, northwind_engineer, lockout, contoso):
    TreeFactory(account=contoso, name="Contoso secret flow")
    client.force_login(northwind_engineer)

    response = client.get("/flows/")

    assert response.status_code == 200
    assert b"AD account lockout" in response.content
    assert b"Contoso secret flow" not in response.content


def test_the_library_filters_by_domain_and_search_in_the_url(client, northwind_engineer, lockout, northwind):
    TreeFactory(account=northwind, name="Printer offline", problem_domain="printing")
    client.force_login(northwind_engineer)

    by_domain = client.get("/flows/", {"domain": "printing"})
    by_search = client.get("/flows/", {"q": "lockout"})

    assert b"Printer offline" in by_domain.content and b"AD account lockout" not in by_domain.content
    assert b"AD account lockout" in by_search.content and b"Printer offline" not in by_search.content


def test_the_library_answers_htmx_with_the_results_partial(client, northwind_engineer, lockout):
    client.force_login(northwind_engineer)

    response = client.get("/flows/", {"q": "lockout"}, **HTMX)

    assert b"AD account lockout" in response.content
    assert b"<html" not in response.content


def test_the_library_keeps_a_constant_number_of_queries(
    client, northwind_engineer, northwind, django_assert_max_num_queries
):
    TreeFactory.create_batch(2, account=northwind)
    client.force_login(northwind_engineer)
    with django_assert_max_num_queries(20) as few:
        client.get("/flows/")
    TreeFactory.create_batch(15, account=northwind)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/flows/")


def test_the_viewer_draws_the_tree_and_usage(client, northwind_engineer, lockout):
    client.force_login(northwind_engineer)

    response = client.get(f"/flows/{lockout.pk}/")

    assert response.status_code == 200
    assert b"Is the account locked out?" in response.content
    assert b"Resolution for Yes." in response.content
    assert b"Success rate" in response.content
    assert b"Edit flow" not in response.content  # engineers read, admins edit


def test_the_viewer_marks_open_ends(client, northwind_admin, northwind):
    tree = QuestionTreeFactory()
    tree["children"][1]["open"] = True
    flow = TreeFactory(account=northwind, tree_structure=tree)
    client.force_login(northwind_admin)

    response = client.get(f"/flows/{flow.pk}/")

    assert b"Open end" in response.content
    assert b"Edit flow" in response.content


def test_history_shows_versions_and_a_readable_diff(client, northwind_admin, lockout):
    changed = QuestionTreeFactory(options=("Yes", "No", "Can't tell"))
    services.publish_tree(
        lockout, {**lockout.envelope(), "tree_structure": changed}, author=northwind_admin, note="Added can't tell"
    )
    client.force_login(northwind_admin)

    response = client.get(f"/flows/{lockout.pk}/history/", {"from": 1, "to": 2})

    content = response.content.decode()
    assert "Version 2" in content and "Added can&#x27;t tell" in content
    assert "Added branch" in content and "Can&#x27;t tell" in content


def test_restore_publishes_an_old_version_again(client, northwind_admin, lockout):
    services.publish_tree(lockout, {**lockout.envelope(), "name": "Renamed"}, author=northwind_admin)
    client.force_login(northwind_admin)

    response = client.post(f"/flows/{lockout.pk}/restore/1/")

    assert response.status_code == 302
    lockout.refresh_from_db()
    assert lockout.version == 3 and lockout.name == "AD account lockout"


def test_engineers_cannot_restore(client, northwind_engineer, lockout):
    client.force_login(northwind_engineer)

    assert client.post(f"/flows/{lockout.pk}/restore/1/").status_code == 403


def test_export_downloads_the_envelope(client, northwind_engineer, lockout):
    client.force_login(northwind_engineer)

    response = client.get(f"/flows/{lockout.pk}/export.json")

    assert response["Content-Disposition"] == 'attachment; filename="ad-account-lockout.json"'
    assert response.json()["tree_structure"]["id"] == "n-root"
    assert set(response.json()) == {
        "name",
        "description",
        "tree_type",
        "problem_domain",
        "match_keywords",
        "tree_structure",
    }


def test_archived_flows_are_hidden_unless_asked_for(client, northwind_engineer, lockout):
    services.archive_flow(lockout)
    client.force_login(northwind_engineer)

    assert b"AD account lockout" not in client.get("/flows/").content
    assert b"AD account lockout" in client.get("/flows/", {"status": TreeStatus.ARCHIVED}).content


@pytest.mark.parametrize(
    "suffix,method", [("/", "get"), ("/history/", "get"), ("/export.json", "get"), ("/restore/1/", "post")]
)
def test_another_account_gets_404_on_every_flow_page(contoso_owner, lockout, suffix, method):
    assert_foreign_404(contoso_owner, f"/flows/{lockout.pk}{suffix}", method=method)
