"""The Review Queue: the review service (services.py: approve, modify, reject or dismiss a flow proposal, and
Edit & Publish's draft), its pages (views.py, urls.py), the request bodies they read (forms.py) and what they
draw (presenter.py, with the proposal's diff against its target flow).

The service is the package's API: the JSON API, the pages and the editor's publish all call
`review.review_proposal(...)`.
"""

from knowledge.review.services import ACTIONS, publish_proposal_draft, review_proposal, start_review_draft

__all__ = ["ACTIONS", "publish_proposal_draft", "review_proposal", "start_review_draft"]
