"""The ticket number an engineer types (intake lookup, linking a running session)."""

from django import forms

from flowpilot.psa.links import MAX_NUMBER


class TicketNumberForm(forms.Form):
    ticket_id = forms.CharField(
        label="PSA ticket #",
        max_length=MAX_NUMBER,
        widget=forms.TextInput(attrs={"class": "field-input", "placeholder": "e.g. 41233 or T20261207.0042"}),
        error_messages={"required": "Give the ticket number."},
    )
