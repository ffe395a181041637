"""The analytics page's query string and request bodies, each read by a form."""

from django import forms

from analytics import metrics
from resolutionflow.list_filters import ListFilterForm

DEFAULT_PERIOD = "30d"
PERIOD_LABELS = {"7d": "7 days", "30d": "30 days", "90d": "90 days"}


class PeriodForm(ListFilterForm):
    """?period=7d|30d|90d (the dashboard's URL, the refresh button's body); any other period is the default."""

    period = forms.ChoiceField(choices=[(key, PERIOD_LABELS[key]) for key in metrics.PERIODS], initial=DEFAULT_PERIOD)

    def ignored_message(self) -> str:
        given = str(self.data.get("period", ""))[:20]
        return f"“{given}” is not a period this page shows: here are the last {PERIOD_LABELS[DEFAULT_PERIOD]}."


class CreateFlowForm(forms.Form):
    """Create flow on a gap of the report: the gap's id."""

    gap_id = forms.CharField(max_length=200)
