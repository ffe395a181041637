"""Knowledge's block on the home page (resolutionflow/home.py): the proposals waiting for this admin's review."""

from django.db.models import Count

from knowledge import selectors
from knowledge.models import ProposalType
from resolutionflow.home import ADMINS, HomeBlock, register_home_block

LISTED = 5


def waiting_proposals(user) -> dict:
    pending = selectors.reviewable_pending(user)
    by_type = dict(pending.order_by().values_list("proposal_type").annotate(count=Count("id")))
    newest = pending.only(
        "id", "title", "proposal_type", "problem_domain", "confidence_score", "supporting_session_count", "created_at"
    ).order_by("-created_at")
    kinds = [(label, by_type[value]) for value, label in ProposalType.choices if by_type.get(value)]
    return {"items": list(newest[:LISTED]), "total": sum(by_type.values()), "by_type": kinds}


def register() -> None:
    register_home_block(
        HomeBlock(
            key="waiting_proposals",
            title="Proposals waiting for review",
            template="knowledge/home/waiting_proposals.html",
            context=waiting_proposals,
            url_name="knowledge:review-queue",
            link_label="Review Queue",
            empty_text="The queue is clear. Each resolved session is analysed; a novel fix becomes a proposed flow "
            "and a session that left a flow becomes a proposed enhancement, waiting here for you.",
            audience=ADMINS,
            order=50,
        )
    )
