"""What the flywheel reads of a resolved session, as plain values knowledge defines.

Apps depend one way (flowpilot → knowledge): the analysis queue in flowpilot reads a session and its
steps and hands them over as a `SessionFacts`; the flywheel decides and proposes from it, never from
flowpilot's models. `StepKind` names the kinds of step the flywheel tells apart (flowpilot's step types
carry the same values).
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from knowledge.models import Tree
from resolutionflow.models import Account


class StepKind:
    QUESTION = "question"
    ACTION = "action"
    SOLUTION = "solution"
    SCRIPT_GENERATION = "script_generation"
    CAPTURE = "capture"

    ALL = (QUESTION, ACTION, SOLUTION, SCRIPT_GENERATION, CAPTURE)


@dataclass(frozen=True)
class StepFacts:
    """One step of the session's recorded path."""

    order: int
    step_type: str  # a StepKind value
    content: dict = field(default_factory=dict)
    flow_id: int | None = None
    flow_node_id: str = ""
    selected_option: str = ""
    free_text_input: str = ""
    was_free_text: bool = False
    action_result: str = ""
    answered_at: datetime | None = None


@dataclass(frozen=True)
class SessionFacts:
    """A resolved session as the flywheel needs it: who it belongs to, what it matched, how it ended."""

    pk: UUID
    account: Account
    team_id: int | None
    matched_flow: Tree | None
    match_score: float | None
    problem_summary: str
    problem_domain: str | None
    intake_text: str
    resolution_summary: str
    resolution_node_id: str = ""
    left_flow_node_id: str = ""
    rating: int | None = None
    conversation_messages: list[Any] = field(default_factory=list)
    steps: tuple[StepFacts, ...] = ()
    # What generalisation needs to know of this client's ticket (knowledge.flywheel.generalise).
    client_name: str = ""
    device: str = ""
    people: tuple[str, ...] = ()  # the engineer, the escalation target: their names
    known_names: tuple[str, ...] = ()  # the account's client names and linked PSA tickets' companies
    # (slug, name) of the script templates the matched flow's team may use: the only ones an LLM-made
    # enhancement may refer to (knowledge.flywheel.enhance_llm).
    script_templates: tuple[tuple[str, str], ...] = ()

    @property
    def account_id(self) -> int:
        return self.account.pk

    @property
    def matched_flow_id(self) -> int | None:
        return self.matched_flow.pk if self.matched_flow is not None else None
