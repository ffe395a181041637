"""Drafts: published exactly once (a double submit makes one flow), and only for their author and for those who
may edit the flow they publish onto; anyone else gets 404 on every draft URL."""

import threading
import time

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from knowledge import services
from knowledge.editor import urls as editor_urls
from knowledge.errors import DraftAlreadyPublished
from knowledge.models import FlowDraft, Tree
from knowledge.tests.factories import TreeFactory, envelope
from resolutionflow.models import Role
from resolutionflow.testing import HTMX, toast_of
from resolutionflow.tests.factories import UserFactory

DRAFT_URLS = [pattern.name for pattern in editor_urls.urlpatterns if str(pattern.pattern).startswith("drafts/")]


@pytest.fixture
def draft(northwind_admin):
    return services.start_draft(northwind_admin, envelope("Plotter prints blank pages"))


@pytest.fixture
def projects_admin(northwind, projects_team):
    return UserFactory(email="lead@projects.test", account=northwind, team=projects_team, role=Role.TEAM_ADMIN)


def publish(client, draft, **headers):
    return client.post(f"/flows/drafts/{draft.pk}/publish/", {"note": "first"}, **headers)


def test_a_second_publish_answers_409_and_makes_no_second_flow(client, northwind_admin, draft):
    client.force_login(northwind_admin)

    first = publish(client, draft)
    second = publish(client, draft)

    assert first.status_code == 302
    assert second.status_code == 409 and "already published" in second.content.decode()
    assert Tree.objects.filter(name="Plotter prints blank pages").count() == 1


def test_a_second_publish_over_htmx_is_a_409_toast(client, northwind_admin, draft):
    client.force_login(northwind_admin)
    publish(client, draft, **HTMX)

    second = publish(client, draft, **HTMX)

    assert second.status_code == 409 and "already published" in toast_of(second)["message"]


def test_publishing_a_published_draft_again_is_refused_by_the_service(northwind_admin, draft):
    services.publish_draft(draft, author=northwind_admin)

    with pytest.raises(DraftAlreadyPublished):
        services.publish_draft(FlowDraft.objects.get(pk=draft.pk), author=northwind_admin)
    assert Tree.objects.count() == 1


@pytest.mark.serial  # threads racing on committed rows
@pytest.mark.django_db(transaction=True)
def test_a_double_submit_racing_on_two_connections_creates_exactly_one_flow(northwind_admin, monkeypatch):
    draft = services.start_draft(northwind_admin, envelope("Plotter prints blank pages"))
    embed = services._embedding_for

    def slow_embedding(data):  # widens the window between the "is it published?" check and the write
        time.sleep(0.3)
        return embed(data)

    monkeypatch.setattr(services, "_embedding_for", slow_embedding)
    start = threading.Barrier(2)
    statuses = []

    def submit():
        client = Client()
        client.force_login(northwind_admin)
        start.wait()
        try:
            statuses.append(publish(client, draft).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [302, 409]
    assert Tree.objects.count() == 1
    assert FlowDraft.objects.get(pk=draft.pk).published_flow == Tree.objects.get()


def test_an_edit_after_publishing_is_refused_and_changes_nothing(northwind_admin, draft):
    services.publish_draft(draft, author=northwind_admin)

    with pytest.raises(DraftAlreadyPublished):
        services.save_draft(draft, {**draft.envelope, "name": "Changed afterwards"})
    assert FlowDraft.objects.get(pk=draft.pk).envelope["name"] == "Plotter prints blank pages"


def call_every_draft_url(user, draft) -> dict:
    client = Client()
    client.force_login(user)
    answers = {}
    for name in DRAFT_URLS:
        url = reverse(f"knowledge:{name}", args=[draft.pk])
        answers[name] = (client.get(url).status_code, client.post(url, {"op": "add_option"}).status_code)
    return answers


@pytest.mark.parametrize("stranger", ["another_teams_admin", "same_teams_admin", "northwind_owner"])
def test_a_new_flow_draft_is_404_on_every_draft_url_for_anyone_but_its_author(
    request, stranger, northwind, service_desk, projects_team, draft
):
    users = {
        "another_teams_admin": lambda: UserFactory(account=northwind, team=projects_team, role=Role.TEAM_ADMIN),
        "same_teams_admin": lambda: UserFactory(account=northwind, team=service_desk, role=Role.TEAM_ADMIN),
        "northwind_owner": lambda: request.getfixturevalue("northwind_owner"),
    }

    answers = call_every_draft_url(users[stranger](), draft)

    assert DRAFT_URLS and all(set(pair) <= {404, 405} and 404 in pair for pair in answers.values()), answers
    assert not Tree.objects.exists()
    assert FlowDraft.objects.get(pk=draft.pk).envelope == draft.envelope


def test_a_teamless_draft_of_a_new_flow_is_its_authors_alone(northwind, northwind_owner, northwind_admin):
    teamless = services.start_draft(northwind_owner, envelope("Owner's idea"))

    answers = call_every_draft_url(northwind_admin, teamless)

    assert all(404 in pair for pair in answers.values()), answers


def test_the_author_opens_and_exports_their_draft(client, northwind_admin, draft):
    client.force_login(northwind_admin)

    assert client.get(f"/flows/drafts/{draft.pk}/edit/").status_code == 200
    assert client.get(f"/flows/drafts/{draft.pk}/export.json").json()["name"] == "Plotter prints blank pages"


def test_a_draft_of_a_flow_is_open_to_those_who_may_edit_that_flow(
    client, northwind, northwind_admin, projects_admin, northwind_owner, projects_team
):
    flow = TreeFactory(account=northwind, team=projects_team)
    draft = services.start_draft(projects_admin, flow.envelope(), target_flow=flow)

    client.force_login(northwind_owner)
    assert client.get(f"/flows/drafts/{draft.pk}/edit/").status_code == 200
    client.force_login(northwind_admin)
    assert client.get(f"/flows/drafts/{draft.pk}/edit/").status_code == 404
    assert client.post(f"/flows/drafts/{draft.pk}/publish/").status_code == 404
    assert Tree.objects.get(pk=flow.pk).version == 1


def test_an_author_who_may_no_longer_edit_the_flow_cannot_publish_onto_it(
    client, northwind, northwind_admin, projects_team
):
    flow = TreeFactory(account=northwind)
    draft = services.start_draft(northwind_admin, {**flow.envelope(), "name": "Renamed"}, target_flow=flow)
    Tree.objects.filter(pk=flow.pk).update(team=projects_team)  # the flow moved to another team meanwhile
    client.force_login(northwind_admin)

    assert client.post(f"/flows/drafts/{draft.pk}/publish/").status_code == 403
    assert Tree.objects.get(pk=flow.pk).version == 1


def test_another_account_gets_404_on_every_draft_url(contoso_owner, draft):
    answers = call_every_draft_url(contoso_owner, draft)

    assert all(404 in pair for pair in answers.values()), answers


@pytest.mark.serial  # threads racing on committed rows
@pytest.mark.django_db(transaction=True)
def test_two_edits_arriving_together_both_land(northwind_admin, monkeypatch):
    from knowledge.editor.forms import OperationForm

    draft = services.start_draft(northwind_admin, envelope("Plotter prints blank pages"))
    apply = OperationForm.apply

    def slow_apply(form, structure):  # widens the window between reading the draft and writing it
        time.sleep(0.3)
        return apply(form, structure)

    monkeypatch.setattr(OperationForm, "apply", slow_apply)
    start = threading.Barrier(2)

    def rename(node_id, text):
        client = Client()
        client.force_login(northwind_admin)
        start.wait()
        try:
            client.post(
                f"/flows/drafts/{draft.pk}/ops/",
                {"op": "set_text", "node_id": node_id, "field": "resolution", "value": text},
                **HTMX,
            )
        finally:
            connection.close()

    threads = [
        threading.Thread(target=rename, args=("n-0", "Cleaned the printhead.")),
        threading.Thread(target=rename, args=("n-1", "Replaced the cartridge.")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    children = FlowDraft.objects.get(pk=draft.pk).envelope["tree_structure"]["children"]
    assert [c["resolution"] for c in children] == ["Cleaned the printhead.", "Replaced the cartridge."]
