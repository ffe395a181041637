"""The home page starts the work: each role sees its blocks (registered by the apps), each block links to its
page, an empty block says what fills it, and nothing of another account ever shows."""

from datetime import timedelta

import pytest
from django.utils import timezone

from flowpilot.psa.push_models import PsaPush, PushKind, PushStatus
from flowpilot.psa.tests.factories import PsaConnectionFactory
from flowpilot.tests.factories import AISessionFactory
from knowledge.tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db

ENGINEER_BLOCKS = ["start", "active_sessions", "waiting_escalations", "recent_resolutions"]
ADMIN_BLOCKS = ["waiting_proposals", "top_gaps", "week_figures"]
OWNER_BLOCKS = ["psa_health", "dead_pushes"]


def blocks_on(response) -> list[str]:
    html = response.content.decode()
    return [key for key in ENGINEER_BLOCKS + ADMIN_BLOCKS + OWNER_BLOCKS if f'data-home-block="{key}"' in html]


def test_an_engineer_sees_how_to_start_and_their_own_work(engineer_client):
    response = engineer_client.get("/")

    assert blocks_on(response) == ENGINEER_BLOCKS
    html = response.content.decode()
    assert 'action="/sessions/new/"' in html and 'name="intake"' in html
    assert 'href="/escalations/"' in html
    assert 'href="/sessions/?status=active"' in html


def test_a_team_admin_also_sees_proposals_gaps_and_the_weeks_figures(team_admin_client):
    response = team_admin_client.get("/")

    assert blocks_on(response) == ENGINEER_BLOCKS + ADMIN_BLOCKS
    html = response.content.decode()
    assert 'href="/review/"' in html and 'href="/analytics/?period=7d"' in html


def test_an_owner_also_sees_the_psa_connection_and_dead_pushes(owner_client):
    response = owner_client.get("/")

    assert blocks_on(response) == ENGINEER_BLOCKS + ADMIN_BLOCKS + OWNER_BLOCKS
    assert 'href="/settings/psa/"' in response.content.decode()


def test_empty_blocks_say_what_fills_them(owner_client):
    html = owner_client.get("/").content.decode()

    assert html.count("data-empty") == 9  # every block but the intake, on an account with nothing in it
    assert "No PSA connected" in html
    assert "Sessions you start and have not resolved" in html
    assert "The queue is clear" in html


def test_the_engineers_active_sessions_escalations_and_team_resolutions_are_listed(
    engineer_client, northwind_engineer, northwind_admin, service_desk
):
    AISessionFactory(engineer=northwind_engineer, status="active", problem_summary="VPN drops every hour")
    AISessionFactory(
        engineer=northwind_admin,
        status="escalated",
        escalated_at=timezone.now(),
        escalated_to_team=service_desk,
        problem_summary="Outlook keeps asking for a password",
    )
    AISessionFactory(engineer=northwind_admin, resolved_at=timezone.now(), problem_summary="Plotter prints blank pages")

    html = engineer_client.get("/").content.decode()

    assert "VPN drops every hour" in html
    assert "Outlook keeps asking for a password" in html
    assert "Plotter prints blank pages" in html


def test_an_admin_sees_the_proposals_waiting_and_the_weeks_sessions(team_admin_client, northwind_engineer):
    ProposalFactory(engineer=northwind_engineer, title="Label printer prints blank labels")

    html = team_admin_client.get("/").content.decode()

    assert "Label printer prints blank labels" in html
    assert 'data-metric="total_sessions"' in html  # the proposal's source session was this week


def test_the_owner_sees_the_connections_last_test_and_each_dead_push(owner_client, northwind, northwind_engineer):
    PsaConnectionFactory(account=northwind, last_tested_at=timezone.now(), last_test_ok=False, last_test_message="401")
    session = AISessionFactory(engineer=northwind_engineer, problem_summary="Shared mailbox missing")
    PsaPush.objects.create(
        account=northwind,
        session=session,
        kind=PushKind.NOTE,
        payload={},
        status=PushStatus.DEAD,
        attempts=8,
        last_error="PsaAuthError: 401",
    )

    html = owner_client.get("/").content.decode()

    assert "Last test failed" in html
    assert "Shared mailbox missing" in html and "8 attempts" in html


def test_another_accounts_work_never_shows(engineer_client, contoso_engineer, northwind_admin):
    AISessionFactory(engineer=contoso_engineer, status="active", problem_summary="Contoso secret problem")
    AISessionFactory(engineer=contoso_engineer, resolved_at=timezone.now(), problem_summary="Contoso fix")
    ProposalFactory(engineer=contoso_engineer, title="Contoso proposal")

    for client_html in (engineer_client.get("/").content.decode(),):
        assert "Contoso" not in client_html
    engineer_client.force_login(northwind_admin)
    assert "Contoso" not in engineer_client.get("/").content.decode()


def test_the_owners_home_reads_a_fixed_number_of_queries(
    owner_client, northwind, northwind_owner, northwind_engineer, django_assert_max_num_queries
):
    PsaConnectionFactory(account=northwind)

    def add_work(count):
        for number in range(count):
            AISessionFactory(engineer=northwind_owner, status="active", problem_summary=f"Active {number}")
            resolved = AISessionFactory(engineer=northwind_engineer, resolved_at=timezone.now() - timedelta(hours=1))
            ProposalFactory(engineer=northwind_engineer)
            PsaPush.objects.create(
                account=northwind, session=resolved, kind=PushKind.NOTE, payload={}, status=PushStatus.DEAD
            )

    add_work(1)
    owner_client.get("/")  # the gap report is cached on its first read, as on the dashboard
    with django_assert_max_num_queries(60) as few:
        owner_client.get("/")
    add_work(6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        owner_client.get("/")
