"""The configure form (built from a template's parameter schema) and the template editor form."""

import json

from django import forms

from resolutionflow import json_input
from resolutionflow.list_filters import ListFilterForm
from scripts import template_engine
from scripts.errors import InvalidSchema, InvalidTemplate
from scripts.models import ScriptCategory

# What an empty input shows, by type: an example of the expected shape.
PLACEHOLDERS = {
    "email": "sales@contoso.com",
    "upn": "jsmith@contoso.com",
    "sam_account_name": "jsmith",
    "hostname": "fs01.contoso.local",
    "ip": "10.0.0.5",
    "ou_dn": "OU=Staff,DC=contoso,DC=com",
    "path": "C:\\Temp",
}


def values_from_request(parameters, data, *, submitted: bool = True) -> dict:
    """The raw values of a configure form (POST) or of a link's query string (GET).

    A submitted form's unchecked box is false; a link only sets what it names, and never a secret.
    """
    values = {}
    for parameter in parameters:
        if parameter.type == "bool":
            if submitted:
                values[parameter.key] = data.get(parameter.key) in ("true", "on")
            elif parameter.key in data:
                values[parameter.key] = data.get(parameter.key)
        elif parameter.is_secret and not submitted:
            continue
        elif parameter.key in data:
            values[parameter.key] = data.get(parameter.key, "")
    return values


def parameter_fields(parameters, values: dict, errors: dict | None = None, *, echo_secrets: bool = False) -> list[dict]:
    """What the template needs to draw each input: kind, value, choices, error, help.

    A secret's value is written back into the page only in the answer to the POST that sent it
    (echo_secrets, for responses marked no-store), so Download works after Generate without retyping.
    """
    errors = errors or {}
    fields = []
    for parameter in parameters:
        raw = values.get(parameter.key)
        if raw is None and parameter.default is not None:
            raw = parameter.default
        if parameter.type == "bool":
            value = ""
            checked = raw is True or (isinstance(raw, str) and raw.strip().lower() in template_engine.TRUE_WORDS)
        else:
            value = "" if raw is None or (parameter.is_secret and not echo_secrets) else str(raw)
            checked = False
        fields.append(
            {
                "key": parameter.key,
                "id": f"param-{parameter.key}",
                "label": parameter.label,
                "type": parameter.type,
                "type_label": template_engine.TYPE_LABELS[parameter.type],
                "widget": _widget(parameter.type),
                "value": value,
                "checked": checked,
                "choices": parameter.choices,
                "required": parameter.required and parameter.default is None,
                "help": parameter.help,
                "placeholder": PLACEHOLDERS.get(parameter.type, ""),
                "min": parameter.min,
                "max": parameter.max,
                "error": errors.get(parameter.key, ""),
            }
        )
    return fields


def _widget(kind: str) -> str:
    return {"bool": "checkbox", "choice": "select", "int": "number", "secret": "password"}.get(kind, "text")


class TemplateForm(forms.Form):
    """An account template: the body and schema are checked by the engine, errors on their fields."""

    name = forms.CharField(max_length=200)
    slug = forms.SlugField(
        max_length=80, required=False, help_text="Flows name templates by slug. Empty: made from the name."
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    category = forms.ModelChoiceField(queryset=ScriptCategory.objects.all(), empty_label=None)
    team = forms.ChoiceField(required=False, label="Available to")
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false"}),
        help_text="PowerShell. Put each {{key}} where a whole argument goes, e.g. $User = {{user}}: "
        "never inside quotes, a here-string or a comment.",
        strip=False,
    )
    parameters_schema = forms.CharField(
        label="Parameters (JSON)",
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
        help_text='{"parameters": [{"key": "user", "label": "User", "type": "upn", "required": true}]}. '
        "Types: " + ", ".join(template_engine.TYPES) + ".",
        strip=False,
    )
    requires_elevation = forms.BooleanField(required=False, label="Needs PowerShell run as administrator")
    is_active = forms.BooleanField(required=False, initial=True, label="Active (engineers can use it)")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        teams = user.account.teams.all() if user.is_owner else [t for t in [user.team] if t is not None]
        self.fields["team"].choices = [("", f"Everyone in {user.account.name}")] + [
            (str(team.pk), f"{team.name} only") for team in teams
        ]
        self._teams = {str(team.pk): team for team in teams}
        for name, field in self.fields.items():
            if not isinstance(field.widget, forms.CheckboxInput):
                mono = " font-mono text-[13px]" if name in ("slug", "body", "parameters_schema") else ""
                field.widget.attrs["class"] = f"field-input{mono}"

    @staticmethod
    def initial_for(template) -> dict:
        return {
            "name": template.name,
            "slug": template.slug,
            "description": template.description,
            "category": template.category_id,
            "team": str(template.team_id) if template.team_id else "",
            "body": template.body,
            "parameters_schema": json.dumps(template.parameters_schema or {"parameters": []}, indent=2),
            "requires_elevation": template.requires_elevation,
            "is_active": template.is_active,
        }

    def clean_team(self):
        return self._teams.get(self.cleaned_data.get("team") or "")

    def clean_parameters_schema(self):
        text = self.cleaned_data["parameters_schema"].strip() or '{"parameters": []}'
        try:
            schema = json_input.loads(text)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(f"Not valid JSON: {error.msg} (line {error.lineno}).") from None
        except json_input.InvalidJSON as error:  # nested too deep, a NUL or NaN
            raise forms.ValidationError(str(error)) from None
        if isinstance(schema, list):
            schema = {"parameters": schema}
        try:
            template_engine.parse_schema(schema)
        except InvalidSchema as error:
            raise forms.ValidationError(error.problems) from None
        return schema

    def clean_body(self):
        return self.cleaned_data["body"].replace("\r\n", "\n")

    def clean(self):
        cleaned = super().clean()
        if "body" in cleaned and "parameters_schema" in cleaned:
            try:
                template_engine.check_template(cleaned["body"], cleaned["parameters_schema"])
            except InvalidTemplate as error:
                self.add_error("body", error.problems)
        return cleaned


class LibraryFilterForm(ListFilterForm):
    """/scripts/?q=&category= (the API's list reads the same filters by serializer)."""

    q = forms.CharField(label="search", required=False, max_length=200)
    category = forms.ChoiceField(required=False)

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "All"), *((category.slug, category.name) for category in categories)]
