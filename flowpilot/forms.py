"""Forms of the session pages. They translate a POST into the engine's arguments; the engine holds the rules."""

from django import forms

from flowpilot.engine import MAX_INTAKE, MAX_NOTE_LENGTH
from flowpilot.models import SessionStatus
from flowpilot.selectors import SCOPES
from knowledge.matching import ConfidenceTier
from resolutionflow import selectors as account_selectors
from resolutionflow.list_filters import ListFilterForm, domain_choices

INPUT = {"class": "field-input"}
ANSWERS = ("selected_option", "free_text", "action_result", "note")
WORKED = "Worked"


class IntakeForm(forms.Form):
    intake = forms.CharField(
        label="What's the problem?",
        max_length=MAX_INTAKE,
        widget=forms.Textarea(
            attrs={
                **INPUT,
                "rows": 6,
                "autofocus": True,
                "data-submit-shortcut": True,
                "placeholder": "What the user reported, error messages, what you already know…",
            }
        ),
        error_messages={"required": "Describe the problem to start a session."},
    )
    client_name = forms.CharField(label="Client", max_length=200, required=False, widget=forms.TextInput(INPUT))
    device = forms.CharField(label="Device or host", max_length=200, required=False, widget=forms.TextInput(INPUT))
    ticket_id = forms.CharField(label="PSA ticket #", max_length=100, required=False, widget=forms.TextInput(INPUT))
    prefer_capture = forms.BooleanField(label="I'd rather record my own steps (capture)", required=False)

    def start_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "text": data["intake"],
            "client_name": data["client_name"],
            "device": data["device"],
            "ticket_id": data["ticket_id"],
            "prefer_capture": data["prefer_capture"],
        }


class AnswerForm(forms.Form):
    """One answer to the current step, in the API's field names (the posted ones count, like the API).

    `detail` is the optional "what happened" that may go with Worked; it is folded into the action result.
    """

    selected_option = forms.CharField(required=False, strip=False, max_length=300)
    free_text = forms.CharField(required=False, max_length=10_000)
    result = forms.CharField(required=False, max_length=10_000)
    action_result = forms.CharField(required=False, max_length=10_000)
    detail = forms.CharField(required=False, max_length=10_000)
    note = forms.CharField(required=False, max_length=MAX_NOTE_LENGTH)

    def answer_arguments(self) -> dict:
        data = self.cleaned_data
        arguments = {name: data[name] for name in ANSWERS if name in self.data}
        if "free_text" in arguments and data["result"]:
            arguments["result"] = data["result"]
        if arguments.get("action_result") and data["detail"]:
            arguments["action_result"] = f"{arguments['action_result']} — {data['detail']}"
        return arguments


class SwitchFlowForm(forms.Form):
    flow_id = forms.UUIDField()


class ResolveForm(forms.Form):
    resolution_summary = forms.CharField(
        label="How was it resolved?",
        max_length=10_000,
        widget=forms.Textarea(attrs={**INPUT, "rows": 4}),
        error_messages={"required": "Say how the problem was resolved."},
    )
    rating = forms.TypedChoiceField(
        label="How much did FlowPilot help?",
        choices=[(n, f"{n} star{'s' if n > 1 else ''}") for n in range(1, 6)],
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    feedback = forms.CharField(
        label="Feedback (optional)", max_length=5000, required=False, widget=forms.Textarea(attrs={**INPUT, "rows": 2})
    )
    # Shown when the session has a PSA ticket: the resolver's own working time, logged as a time entry
    # (blank: their span up to the resolve). The cap (PSA_MAX_TIME_ENTRY_HOURS) is the service's rule.
    worked_minutes = forms.IntegerField(
        label="Time to log on the ticket (minutes)",
        min_value=1,
        max_value=100_000,
        required=False,
        widget=forms.NumberInput(attrs={**INPUT, "inputmode": "numeric"}),
    )


class EscalateForm(forms.Form):
    """Escalate to someone (active) or a team of the account; the choices come from the account's selectors only."""

    reason = forms.CharField(
        label="Why escalate?",
        max_length=5000,
        widget=forms.Textarea(attrs={**INPUT, "rows": 3}),
        error_messages={"required": "Say why the session is escalated."},
    )
    target = forms.ChoiceField(label="Escalate to", required=False, widget=forms.Select(INPUT))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {str(u.pk): u for u in account_selectors.account_users(user) if u.is_active and u.pk != user.pk}
        self.teams = {str(t.pk): t for t in account_selectors.teams(user).order_by("name")}
        self.fields["target"].choices = [
            ("", "The next line (no one in particular)"),
            ("People", [(f"user:{pk}", person.display_name) for pk, person in self.people.items()]),
            ("Teams", [(f"team:{pk}", team.name) for pk, team in self.teams.items()]),
        ]

    def escalate_arguments(self) -> dict:
        kind, _, pk = self.cleaned_data["target"].partition(":")
        return {
            "reason": self.cleaned_data["reason"],
            "target_user": self.people.get(pk) if kind == "user" else None,
            "target_team": self.teams.get(pk) if kind == "team" else None,
        }


class AbandonForm(forms.Form):
    reason = forms.CharField(
        label="Why abandon it? (optional)",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={**INPUT, "rows": 3, "placeholder": "Duplicate ticket, user unreachable…"}),
    )


class SessionFilterForm(ListFilterForm):
    """/sessions/?scope=&status=&domain=&tier= (the API's list reads the same filters by serializer)."""

    scope = forms.ChoiceField(choices=[(scope, scope) for scope in SCOPES], required=False, initial="mine")
    status = forms.ChoiceField(choices=[("", "All"), *SessionStatus.choices], required=False)
    domain = forms.ChoiceField(required=False)
    tier = forms.ChoiceField(label="confidence", choices=[("", "Any"), *ConfidenceTier.choices], required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["domain"].choices = domain_choices()
