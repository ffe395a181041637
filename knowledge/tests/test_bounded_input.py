"""Work bounded by its input: keywords are capped where they enter (API, review, editor), refused whole
rather than cut, and every check of them is linear."""

import time

import pytest

from knowledge import services
from knowledge.envelope import InvalidEnvelope, clean_envelope
from knowledge.flywheel.builder import keywords_from
from knowledge.models import FlowDraft, Tree
from knowledge.tests.factories import ProposalFactory, QuestionTreeFactory
from resolutionflow.testing import HTMX, toast_of

TEN_THOUSAND = [f"keyword {n}" for n in range(10_000)]
REFUSAL = "at most 40 keywords (10,000 given)"


def envelope(**overrides):
    return {
        "name": "VPN won't connect",
        "description": "FortiClient fails",
        "problem_domain": "vpn",
        "match_keywords": ["FortiClient"],
        "tree_structure": QuestionTreeFactory(),
        **overrides,
    }


class Timer:
    """CPU seconds of this process (what the work costs; other processes on the machine do not count)."""

    def __enter__(self):
        self.started = time.process_time()
        return self

    def __exit__(self, *exc):
        self.seconds = time.process_time() - self.started


@pytest.fixture
def editor_client(team_admin_client, northwind_admin):
    """The team admin signed in, the editor page drawn once (its templates compiled: not what these tests time)."""
    team_admin_client.get(f"/flows/drafts/{services.start_draft(northwind_admin, envelope()).pk}/edit/")
    return team_admin_client


@pytest.fixture
def api(api_as, northwind_admin):
    """The admin's API client, warmed up by one small refused request (the first request of a process
    imports and builds what every later one reuses: not what these tests time)."""
    client = api_as(northwind_admin)
    client.post("/api/v1/flows", envelope(match_keywords=["x"] * 41), format="json")
    return client


def test_the_envelope_refuses_10k_keywords_at_once():
    with Timer() as timer, pytest.raises(InvalidEnvelope) as refused:
        clean_envelope(envelope(match_keywords=TEN_THOUSAND), domains=["vpn"])

    assert timer.seconds < 0.1
    assert refused.value.as_field_errors() == {"match_keywords": [REFUSAL]}


def test_repeated_keywords_collapse_in_any_case_keeping_the_first_spelling():
    keywords = ["FortiClient", " forticlient ", "VPN  client", "vpn client", "", "SSL-VPN"]

    cleaned = clean_envelope(envelope(match_keywords=keywords), domains=["vpn"])

    assert cleaned["match_keywords"] == ["FortiClient", "VPN client", "SSL-VPN"]


def test_the_flows_api_refuses_10k_keywords_with_a_400_in_well_under_a_second(api):
    with Timer() as timer:
        response = api.post("/api/v1/flows", envelope(match_keywords=TEN_THOUSAND), format="json")

    assert response.status_code == 400
    assert response.json() == {"match_keywords": [REFUSAL]}
    assert timer.seconds < 1
    assert not Tree.objects.exists()


def test_a_body_of_almost_1_mb_of_keywords_is_refused_in_well_under_a_second(api, northwind_admin):
    keywords = [f"{'k' * 70}{n:06d}" for n in range(11_000)]  # ~0.9 MB of JSON
    flow = services.create_flow(northwind_admin.account, envelope(), author=northwind_admin)

    with Timer() as timer:
        response = api.put(f"/api/v1/flows/{flow.pk}", envelope(match_keywords=keywords), format="json")

    assert response.status_code == 400
    assert response.json() == {"match_keywords": ["at most 40 keywords (11,000 given)"]}
    assert timer.seconds < 1
    assert Tree.objects.get().match_keywords == ["FortiClient"]


def test_40_keywords_are_accepted_by_the_api(api_as, northwind_admin):
    keywords = [f"keyword {n}" for n in range(40)]

    response = api_as(northwind_admin).post("/api/v1/flows", envelope(match_keywords=keywords), format="json")

    assert response.status_code == 201
    assert response.json()["match_keywords"] == keywords


def test_review_modify_refuses_10k_keywords_with_a_400_and_the_proposal_stays_pending(api, northwind_engineer):
    proposal = ProposalFactory(engineer=northwind_engineer)
    data = {**proposal.proposed_flow_data, "match_keywords": TEN_THOUSAND}

    with Timer() as timer:
        response = api.post(
            f"/api/v1/flow-proposals/{proposal.pk}/review",
            {"action": "modify", "modified_flow_data": data},
            format="json",
        )

    assert response.status_code == 400
    assert response.json() == {"modified_flow_data": {"match_keywords": [REFUSAL]}}
    assert timer.seconds < 1
    proposal.refresh_from_db()
    assert proposal.status == "pending" and not Tree.objects.exists()


def test_the_editor_refuses_more_than_40_keywords_and_saves_nothing(editor_client, northwind_admin):
    draft = services.start_draft(northwind_admin, envelope())

    with Timer() as timer:
        response = editor_client.post(
            f"/flows/drafts/{draft.pk}/meta/",
            {"name": "VPN", "match_keywords": ", ".join(TEN_THOUSAND), "tree_type": "troubleshooting"},
            **HTMX,
        )

    assert response.status_code == 422
    assert f"Keywords: {REFUSAL}. Nothing was saved." in toast_of(response)["message"]
    assert timer.seconds < 1
    draft.refresh_from_db()
    assert draft.envelope["match_keywords"] == ["FortiClient"] and draft.envelope["name"] == "VPN won't connect"


def test_without_htmx_the_refused_keywords_come_back_as_a_message_on_the_editor(editor_client, northwind_admin):
    draft = services.start_draft(northwind_admin, envelope())
    too_long = "x" * 81

    response = editor_client.post(
        f"/flows/drafts/{draft.pk}/meta/",
        {"name": "VPN", "match_keywords": f"vpn, {too_long}", "tree_type": "troubleshooting"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == f"/flows/drafts/{draft.pk}/edit/"
    assert "is longer than 80 characters. Nothing was saved." in response.content.decode()
    assert FlowDraft.objects.get(pk=draft.pk).envelope["match_keywords"] == ["FortiClient"]


def test_a_draft_that_already_holds_10k_keywords_opens_at_once_and_names_the_problem(editor_client, northwind_admin):
    draft = services.start_draft(northwind_admin, envelope(match_keywords=TEN_THOUSAND))

    with Timer() as timer:
        response = editor_client.get(f"/flows/drafts/{draft.pk}/edit/")

    assert response.status_code == 200
    assert timer.seconds < 1
    assert f"Keywords: {REFUSAL}" in response.content.decode()


def test_keywords_drawn_from_a_long_text_take_linear_time_and_keep_the_first_distinct_terms():
    names = [f"Prod{''.join('abcdefghij'[int(d)] for d in str(n))}" for n in range(5_000)]  # no digits: no codes
    text = " ".join(f"{name} is down, then {name.upper()} again." for name in names)

    with Timer() as timer:
        found = keywords_from(text)

    assert timer.seconds < 0.5
    assert found == names[:12]
