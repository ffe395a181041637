"""Picking up an escalated session: the picker becomes its engineer and continues the same session from where
it stopped; the hand-off and who held it when are recorded; two receivers at once: one wins, the other 409."""

import threading
from html import escape

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client

from flowpilot import engine, escalations, selectors
from flowpilot.errors import NotWaiting, SessionClosed
from flowpilot.models import AISession, SessionHandoff, SessionMode, SessionStatus, StepType
from flowpilot.permissions import can_act, can_pick_up
from flowpilot.tests.factories import LOCKOUT_INTAKE, lockout_flow
from resolutionflow.models import Role
from resolutionflow.testing import HTMX, assert_foreign_404, toast_of
from resolutionflow.tests.factories import TeamFactory, UserFactory


@pytest.fixture
def flow(northwind):
    return lockout_flow(northwind)


@pytest.fixture
def sam(northwind, service_desk):
    return UserFactory(email="sam@northwind.test", account=northwind, team=service_desk, role=Role.ENGINEER)


@pytest.fixture
def second_line(northwind):
    return TeamFactory(account=northwind, name="Second line")


@pytest.fixture
def kim(northwind, second_line):
    return UserFactory(email="kim@northwind.test", account=northwind, team=second_line, role=Role.ENGINEER)


@pytest.fixture
def lee(northwind, second_line):
    return UserFactory(email="lee@northwind.test", account=northwind, team=second_line, role=Role.ENGINEER)


def walked_and_escalated(engineer, **target):
    """Walked to the unlock action (not answered yet) and escalated while it waits."""
    session = engine.start_session(engineer, LOCKOUT_INTAKE, client_name="Acme Dental")
    engine.answer_step(session, selected_option="Yes, locked out")
    engine.escalate_session(session, reason="Needs a domain admin", **target)
    return AISession.objects.get(pk=session.pk)


def test_the_picker_becomes_the_engineer_and_continues_from_the_step_where_it_stopped(northwind_engineer, flow, sam):
    session = walked_and_escalated(northwind_engineer, target_user=sam)

    picked = escalations.pick_up_session(session, sam)

    assert picked.engineer == sam and picked.status == SessionStatus.ACTIVE and picked.mode == SessionMode.GUIDED
    assert picked.escalated_to_user is None and picked.escalated_to_team is None
    current = engine.current_step(picked)
    assert current.step_type == StepType.ACTION and not current.is_answered
    engine.answer_step(picked, action_result="Worked")
    assert engine.current_step(picked).flow_node_id == "unlocked"  # the flow goes on
    assert session.steps.count() == 3


def test_a_session_escalated_after_an_answered_step_goes_on_in_capture_mode(northwind_engineer, sam):
    session = engine.start_session(northwind_engineer, "Outlook asks for the password again and again")
    engine.answer_step(session, free_text="Cleared the credential manager", result="Still prompts")
    engine.escalate_session(session, reason="Needs M365 admin", target_user=sam)

    picked = escalations.pick_up_session(AISession.objects.get(pk=session.pk), sam)

    current = engine.current_step(picked)
    assert picked.mode == SessionMode.CAPTURE and current.step_type == StepType.CAPTURE and not current.is_answered
    engine.answer_step(picked, free_text="Checked modern auth in the tenant", result="Disabled")
    assert session.steps.filter(answered_at__isnull=False).count() == 2


def test_the_handoff_records_who_held_the_session_when(northwind_engineer, flow, sam):
    session = walked_and_escalated(northwind_engineer, target_user=sam)

    picked = escalations.pick_up_session(session, sam)

    handoff = SessionHandoff.objects.get(session=session)
    assert handoff.escalated_by == northwind_engineer and handoff.escalated_to_user == sam
    assert handoff.picked_up_by == sam and handoff.picked_up_at is not None
    assert handoff.reason == "Needs a domain admin"
    held = escalations.holders(picked)
    assert [(h.engineer, h.ended_by) for h in held] == [(northwind_engineer, "escalated"), (sam, "")]
    assert held[0].since == picked.created_at and held[0].until == handoff.escalated_at
    assert held[1].since == handoff.picked_up_at and held[1].until is None
    assert "Picked up by" in picked.conversation_messages[-1]["content"]


def test_resolving_and_escalating_again_work_after_a_pick_up(northwind_engineer, flow, sam, kim):
    session = walked_and_escalated(northwind_engineer, target_user=sam)
    escalations.pick_up_session(session, sam)

    engine.escalate_session(session, reason="Needs the network team", target_user=kim)
    escalations.pick_up_session(AISession.objects.get(pk=session.pk), kim)
    resolved = engine.resolve_session(session, resolution_summary="Replaced the switch port")

    assert resolved.status == SessionStatus.RESOLVED and resolved.engineer == kim
    assert [h.picked_up_by for h in escalations.handoffs(resolved)] == [sam, kim]
    held = escalations.holders(resolved)
    assert [(h.engineer, h.ended_by) for h in held] == [
        (northwind_engineer, "escalated"),
        (sam, "escalated"),
        (kim, "resolved"),
    ]


def test_the_picker_acts_on_the_session_and_the_first_engineer_no_longer_does(northwind_engineer, flow, sam):
    session = walked_and_escalated(northwind_engineer, target_user=sam)

    picked = escalations.pick_up_session(session, sam)

    assert can_act(sam, picked) and not can_act(northwind_engineer, picked)


def test_the_session_stays_in_the_first_engineers_history(northwind_engineer, flow, sam):
    session = walked_and_escalated(northwind_engineer, target_user=sam)
    escalations.pick_up_session(session, sam)
    engine.escalate_session(session, reason="Back to first line? no: onwards")

    mine = selectors.sessions(northwind_engineer, scope="mine")
    assert list(mine) == [AISession.objects.get(pk=session.pk)]
    assert list(selectors.sessions(sam, scope="mine")) == [AISession.objects.get(pk=session.pk)]


@pytest.mark.parametrize(
    "who, target, allowed",
    [
        ("sam", "user", True),  # the person escalated to
        ("kim", "user", False),  # someone else
        ("kim", "team", True),  # a member of the team escalated to
        ("sam", "team", False),  # not in that team
        ("sam", "nobody", True),  # the next line: anyone of the account
        ("northwind_engineer", "nobody", False),  # whoever escalated it
        ("northwind_admin", "user", True),  # an admin of the session's team
    ],
)
def test_who_may_pick_up(request, northwind_engineer, flow, sam, kim, second_line, who, target, allowed):
    targets = {"user": {"target_user": sam}, "team": {"target_team": second_line}, "nobody": {}}
    session = walked_and_escalated(northwind_engineer, **targets[target])
    user = request.getfixturevalue(who) if who not in ("sam", "kim") else {"sam": sam, "kim": kim}[who]

    assert can_pick_up(user, session) is allowed
    if allowed:
        assert escalations.pick_up_session(session, user).engineer == user
    else:
        with pytest.raises(PermissionDenied):
            escalations.pick_up_session(session, user)
        assert AISession.objects.get(pk=session.pk).status == SessionStatus.ESCALATED


def test_an_active_session_cannot_be_picked_up(northwind_engineer, flow, sam):
    session = engine.start_session(northwind_engineer, LOCKOUT_INTAKE)

    with pytest.raises(NotWaiting) as refused:
        escalations.pick_up_session(session, sam)

    assert refused.value.message.startswith("This session was never escalated")


def test_an_escalated_session_no_longer_takes_answers_until_picked_up(northwind_engineer, flow, sam):
    session = walked_and_escalated(northwind_engineer, target_user=sam)

    with pytest.raises(SessionClosed):
        engine.answer_step(session, action_result="Worked")


# ── HTTP ────────────────────────────────────────────────────────────────────────────────────────────


def test_picking_up_on_the_page_redirects_to_the_session(client, northwind_engineer, flow, sam):
    session = walked_and_escalated(northwind_engineer, target_user=sam)
    client.force_login(sam)

    response = client.post(f"/sessions/{session.pk}/pick-up/")

    assert response.status_code == 302 and response["Location"] == f"/sessions/{session.pk}/"
    assert AISession.objects.get(pk=session.pk).engineer == sam
    page = client.get(response["Location"]).content.decode()
    assert "Picked up" in page and "Unlock the account in ADUC" in page


def test_picking_up_with_htmx_redirects_the_client(client, northwind_engineer, flow, sam):
    session = walked_and_escalated(northwind_engineer, target_user=sam)
    client.force_login(sam)

    response = client.post(f"/sessions/{session.pk}/pick-up/", **HTMX)

    assert response.status_code == 200 and response["HX-Redirect"] == f"/sessions/{session.pk}/"


def test_picking_up_what_someone_else_took_answers_409_with_who_took_it(
    client, northwind_engineer, flow, kim, lee, second_line
):
    session = walked_and_escalated(northwind_engineer, target_team=second_line)
    escalations.pick_up_session(session, kim)
    client.force_login(lee)

    response = client.post(f"/sessions/{session.pk}/pick-up/", **HTMX)

    assert response.status_code == 409
    assert "already picked this session up" in toast_of(response)["message"]
    assert AISession.objects.get(pk=session.pk).engineer == kim


def test_picking_up_someone_elses_escalation_is_forbidden(client, northwind_engineer, flow, sam, kim):
    session = walked_and_escalated(northwind_engineer, target_user=sam)
    client.force_login(kim)

    assert client.post(f"/sessions/{session.pk}/pick-up/", **HTMX).status_code == 403
    assert AISession.objects.get(pk=session.pk).engineer == northwind_engineer


def test_the_api_picks_up_and_answers_the_session(api_as, northwind_engineer, flow, sam):
    session = walked_and_escalated(northwind_engineer, target_user=sam)

    response = api_as(sam).post(f"/api/v1/ai-sessions/{session.pk}/pick-up")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "active" and body["engineer"] == sam.email
    assert body["current_step"]["step_type"] == "action" and body["current_step"]["allows_free_text"]
    handoffs = api_as(sam).get(f"/api/v1/ai-sessions/{session.pk}/handoffs").json()
    assert [(h["escalated_by"], h["picked_up_by"]) for h in handoffs] == [(northwind_engineer.email, sam.email)]


def test_the_api_answers_409_to_the_second_pick_up(api_as, northwind_engineer, flow, kim, lee, second_line):
    session = walked_and_escalated(northwind_engineer, target_team=second_line)
    api_as(kim).post(f"/api/v1/ai-sessions/{session.pk}/pick-up")

    response = api_as(lee).post(f"/api/v1/ai-sessions/{session.pk}/pick-up")

    assert response.status_code == 409 and response.json()["status"] == "active"
    assert "already picked this session up" in response.json()["detail"]


def test_the_api_refuses_someone_elses_escalation_with_403(api_as, northwind_engineer, flow, sam, kim):
    session = walked_and_escalated(northwind_engineer, target_user=sam)

    assert api_as(kim).post(f"/api/v1/ai-sessions/{session.pk}/pick-up").status_code == 403


def test_every_new_session_url_answers_404_to_another_account(northwind_engineer, flow, sam, contoso_owner):
    session = walked_and_escalated(northwind_engineer)

    assert_foreign_404(contoso_owner, f"/sessions/{session.pk}/pick-up/", method="post")
    assert_foreign_404(contoso_owner, f"/api/v1/ai-sessions/{session.pk}/pick-up", method="post")
    assert_foreign_404(contoso_owner, f"/api/v1/ai-sessions/{session.pk}/handoffs")
    assert AISession.objects.get(pk=session.pk).status == SessionStatus.ESCALATED


def test_only_post_picks_up(client, northwind_engineer, flow, sam):
    session = walked_and_escalated(northwind_engineer, target_user=sam)
    client.force_login(sam)

    assert client.get(f"/sessions/{session.pk}/pick-up/").status_code == 405


# ── The race ────────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.django_db(transaction=True)
def test_two_receivers_picking_up_at_once_one_wins_the_other_gets_409(northwind_engineer, flow, kim, lee, second_line):
    session = walked_and_escalated(northwind_engineer, target_team=second_line)
    start = threading.Barrier(2)
    answers = {}

    def pick_up(user):
        client = Client()
        client.force_login(user)
        start.wait()
        try:
            answers[user.email] = client.post(f"/sessions/{session.pk}/pick-up/", **HTMX)
        finally:
            connection.close()

    threads = [threading.Thread(target=pick_up, args=(user,)) for user in (kim, lee)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = sorted(response.status_code for response in answers.values())
    assert statuses == [200, 409]
    winner = next(email for email, response in answers.items() if response.status_code == 200)
    session = AISession.objects.get(pk=session.pk)
    assert session.engineer.email == winner and session.status == SessionStatus.ACTIVE
    handoff = SessionHandoff.objects.get(session=session)
    assert handoff.picked_up_by.email == winner


def test_the_session_page_offers_pick_up_to_the_target_only(client, northwind_engineer, flow, sam, kim):
    session = walked_and_escalated(northwind_engineer, target_user=sam)

    client.force_login(sam)
    assert f'action="/sessions/{session.pk}/pick-up/"' in client.get(f"/sessions/{session.pk}/").content.decode()
    client.force_login(kim)
    assert "/pick-up/" not in client.get(f"/sessions/{session.pk}/").content.decode()


def test_the_session_page_shows_who_held_it_and_the_handoff(client, northwind_engineer, flow, sam):
    session = walked_and_escalated(northwind_engineer, target_user=sam)
    escalations.pick_up_session(session, sam)
    client.force_login(northwind_engineer)

    html = client.get(f"/sessions/{session.pk}/").content.decode()

    held = html.split("Who held it", 1)[1]
    assert held.index(escape(northwind_engineer.display_name)) < held.index(escape(sam.display_name))
    assert "picked up by" in held and "Needs a domain admin" in held and "Suspected cause" in held


def test_escalating_to_yourself_is_refused(api_as, northwind_engineer, flow):
    session = engine.start_session(northwind_engineer, LOCKOUT_INTAKE)

    response = api_as(northwind_engineer).post(
        f"/api/v1/ai-sessions/{session.pk}/escalate",
        {"reason": "Stuck", "target_user_id": str(northwind_engineer.pk)},
        format="json",
    )

    assert response.status_code == 400 and "target_user_id" in response.json()
    assert AISession.objects.get(pk=session.pk).status == SessionStatus.ACTIVE


def test_the_timeline_marks_the_step_where_it_was_handed_off(client, northwind_engineer, flow, sam):
    session = walked_and_escalated(northwind_engineer, target_user=sam)
    escalations.pick_up_session(session, sam)
    engine.answer_step(session, action_result="Worked")
    client.force_login(sam)

    for url in (f"/sessions/{session.pk}/", f"/sessions/{session.pk}/view/"):
        html = client.get(url).content.decode()
        marker = html.split("data-handoff-marker>", 1)[1].split("</p>", 1)[0]
        assert "Escalated here by" in marker and "Needs a domain admin" in marker and "picked up by" in marker
        assert html.count("data-handoff-marker") == 1


def test_a_foreign_session_answers_404_to_any_method(northwind_engineer, flow, contoso_owner):
    session = walked_and_escalated(northwind_engineer)

    assert_foreign_404(contoso_owner, f"/sessions/{session.pk}/pick-up/")


def test_the_session_api_shows_each_handoff_with_its_structure(api_as, northwind_engineer, flow, sam):
    session = walked_and_escalated(northwind_engineer, target_user=sam)
    assert api_as(sam).get(f"/api/v1/ai-sessions/{session.pk}").json()["handoffs"][0]["picked_up_by"] is None
    escalations.pick_up_session(session, sam)

    (handoff,) = api_as(northwind_engineer).get(f"/api/v1/ai-sessions/{session.pk}").json()["handoffs"]

    assert handoff["escalated_by"] == northwind_engineer.email and handoff["picked_up_by"] == sam.email
    assert handoff["reason"] == "Needs a domain admin" and handoff["text"].startswith("Escalated by")
    assert {"problem", "environment", "tried", "suspected_cause", "next_steps"} <= set(handoff["handoff"])


def test_a_handoff_whose_target_resolved_without_picking_up_is_closed_not_waiting(
    client, api_as, northwind_engineer, flow, sam
):
    session = walked_and_escalated(northwind_engineer, target_user=sam)
    (waiting,) = api_as(sam).get(f"/api/v1/ai-sessions/{session.pk}").json()["handoffs"]
    assert waiting["state"] == "waiting"

    engine.resolve_session(session, resolution_summary="Unlocked the account from the domain controller")

    (closed,) = api_as(northwind_engineer).get(f"/api/v1/ai-sessions/{session.pk}").json()["handoffs"]
    assert closed["state"] == "closed" and closed["picked_up_by"] is None
    client.force_login(northwind_engineer)
    held = client.get(f"/sessions/{session.pk}/").content.decode().split("Who held it", 1)[1]
    assert "resolved without a pick-up" in held and "· waiting" not in held
    (handoff,) = escalations.handoffs(AISession.objects.get(pk=session.pk))
    assert not handoff.is_waiting and handoff.state == "closed"


def test_a_picked_up_handoff_says_so_in_the_api(api_as, northwind_engineer, flow, sam):
    session = walked_and_escalated(northwind_engineer, target_user=sam)
    escalations.pick_up_session(session, sam)

    (handoff,) = api_as(sam).get(f"/api/v1/ai-sessions/{session.pk}").json()["handoffs"]

    assert handoff["state"] == "picked_up"
