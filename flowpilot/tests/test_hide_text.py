"""An engineer hides a secret the detector missed, from a step of the session page; the step shows it hidden."""

import json

from django.urls import reverse
from django.utils.http import urlencode

from flowpilot import engine
from flowpilot.analysis_queue import analyze
from flowpilot.models import AISession
from resolutionflow.redaction import MARKER
from resolutionflow.testing import HTMX

SECRET = "bluefish-harbour"  # no cue, no shape: only a person can tell


def session_with_a_missed_secret(engineer):
    session = engine.start_session(engineer, "Shared mailbox asks for credentials", prefer_capture=True)
    engine.answer_step(session, free_text="Signed in to OWA as the shared account", result=f"It took {SECRET} fine")
    engine.answer_step(session, note=f"Vault entry says {SECRET}")
    return session


def hide(client, session, text):
    return client.post(
        reverse("flowpilot:session-hide", args=[session.pk]),
        urlencode({"text": text}),
        content_type="application/x-www-form-urlencoded",
        **HTMX,
    )


def test_hiding_a_span_removes_it_from_the_whole_session_and_the_step_shows_it_hidden(
    engineer_client, northwind_engineer
):
    session = session_with_a_missed_secret(northwind_engineer)

    response = hide(engineer_client, session, SECRET)

    assert response.status_code == 200
    session = AISession.objects.get(pk=session.pk)
    record = json.dumps([session.conversation_messages, [s.action_result for s in session.steps.all()]])
    record += json.dumps([s.notes for s in session.steps.all()])
    assert SECRET not in record and MARKER in record
    page = engineer_client.get(reverse("flowpilot:session-detail", args=[session.pk])).text
    assert SECRET not in page and 'class="secret-hidden' in page


def test_a_proposal_already_built_loses_the_span_too(engineer_client, northwind_engineer):
    session = session_with_a_missed_secret(northwind_engineer)
    session = engine.resolve_session(session, resolution_summary=f"Re-entered {SECRET} in Outlook")
    proposal = analyze(AISession.objects.select_related("matched_flow", "engineer").get(pk=session.pk)).proposal
    assert SECRET in json.dumps(proposal.proposed_flow_data) + proposal.description

    response = engineer_client.post(reverse("flowpilot:session-hide", args=[session.pk]), {"text": SECRET})

    assert response.status_code == 302
    proposal.refresh_from_db()
    assert SECRET not in json.dumps([proposal.title, proposal.description, proposal.proposed_flow_data])
    assert SECRET not in AISession.objects.get(pk=session.pk).documentation


def test_a_span_too_short_or_not_in_the_session_is_refused_with_422(engineer_client, northwind_engineer):
    session = session_with_a_missed_secret(northwind_engineer)
    assert hide(engineer_client, session, "ab").status_code == 422
    assert hide(engineer_client, session, "not in this session").status_code == 422


def test_another_accounts_session_is_404(client_as, contoso_engineer, northwind_engineer):
    session = session_with_a_missed_secret(northwind_engineer)
    assert hide(client_as(contoso_engineer), session, SECRET).status_code == 404
    assert SECRET in AISession.objects.get(pk=session.pk).conversation_messages[-1]["content"]


def test_a_span_matching_part_of_a_marker_leaves_the_markers_whole(engineer_client, northwind_engineer):
    session = session_with_a_missed_secret(northwind_engineer)
    assert hide(engineer_client, session, SECRET).status_code == 200
    before = AISession.objects.get(pk=session.pk)
    record = json.dumps([[s.action_result, s.notes] for s in before.steps.all()])

    for part in ("hidden", "[hidden secret", "secret]"):
        assert hide(engineer_client, session, part).status_code == 422, part  # only inside markers: not shown

    after = AISession.objects.get(pk=session.pk)
    assert json.dumps([[s.action_result, s.notes] for s in after.steps.all()]) == record
    assert "[[hidden" not in record and record.count(MARKER) == 2
