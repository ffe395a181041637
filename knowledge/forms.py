"""The flow library's query string, read by a form (the editor's and the review queue's forms are in their
sub-packages)."""

from django import forms

from knowledge.models import Origin, TreeStatus, TreeType
from knowledge.selectors import FLOW_SORTS
from resolutionflow.list_filters import ListFilterForm, domain_choices

SORT_LABELS = {"name": "Name", "usage": "Most used", "success": "Success rate", "updated": "Recently updated"}
FLOW_SORT_CHOICES = [(key, SORT_LABELS[key]) for key in FLOW_SORTS]  # every sort the selector knows, labelled
SEARCH_LENGTH = 200


class FlowFilterForm(ListFilterForm):
    """/flows/?q=&domain=&origin=&tree_type=&status=&sort= (the API's list reads the same names by serializer)."""

    q = forms.CharField(label="search", required=False, max_length=SEARCH_LENGTH)
    domain = forms.ChoiceField(required=False)
    origin = forms.ChoiceField(choices=[("", "Any"), *Origin.choices], required=False)
    tree_type = forms.ChoiceField(label="type", choices=[("", "Any"), *TreeType.choices], required=False)
    status = forms.ChoiceField(choices=[("", "Any"), *TreeStatus.choices], required=False)
    sort = forms.ChoiceField(choices=FLOW_SORT_CHOICES, required=False, initial="name")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["domain"].choices = domain_choices()
