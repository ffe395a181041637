"""The Review Queue's request bodies and query strings, each read by one form."""

from django import forms

from resolutionflow.list_filters import ListFilterForm, domain_choices

TABS = [
    ("pending", "Pending"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("dismissed", "Dismissed"),
    ("all", "All"),
]
SORTS = [("newest", "Newest"), ("confidence", "Highest confidence"), ("support", "Most support")]
DEFAULTS = {"tab": "pending", "domain": "", "sort": "newest", "page": 1}
NOTES_LENGTH = 2000
REASON_NEEDED = "Say why you reject it: the reason is kept with the proposal."


class QueueFilterForm(ListFilterForm):
    """/review/?tab=&domain=&sort=&page= (the actions post the same fields, to come back to the same list)."""

    tab = forms.ChoiceField(choices=TABS, required=False, initial=DEFAULTS["tab"])
    domain = forms.ChoiceField(required=False, initial=DEFAULTS["domain"])
    sort = forms.ChoiceField(choices=SORTS, required=False, initial=DEFAULTS["sort"])
    page = forms.IntegerField(min_value=1, required=False, initial=DEFAULTS["page"])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["domain"].choices = domain_choices()


class ReviewForm(forms.Form):
    """Approve or dismiss: an optional note (its first 2,000 characters), and whether the proposal's card is in
    the list beside the panel (`listed`: the answer then redraws the card too)."""

    reviewer_notes = forms.CharField(required=False)
    listed = forms.BooleanField(required=False)

    def clean_reviewer_notes(self) -> str:
        return self.cleaned_data["reviewer_notes"][:NOTES_LENGTH]


class RejectForm(ReviewForm):
    """Reject: the reason is required, it is kept with the proposal."""

    reviewer_notes = forms.CharField(error_messages={"required": REASON_NEEDED})
