"""The editor's request bodies: each POST of the editor pages is read by one of these forms.

A draft keeps invalid work (an emptied name, a question with one option): the forms refuse only what cannot
be saved at all (an unknown operation or flow type, keywords beyond the envelope's caps, NUL characters);
the validator judges the rest on every render, and publishing refuses it.
"""

import json
import re
from pathlib import Path

from django import forms
from django.core.exceptions import ValidationError

from knowledge import services, tree_edit
from knowledge.envelope import MAX_KEYWORD_LENGTH, MAX_KEYWORDS, too_many_keywords
from knowledge.errors import InvalidEnvelope
from knowledge.tree_format import TREE_TYPES, TROUBLESHOOTING
from resolutionflow import json_input

IMPORT_MAX_BYTES = 1024 * 1024
PUBLISH_NOTE_LENGTH = 500
FIELD_LABELS = {
    "name": "Name",
    "description": "Description",
    "tree_type": "Flow type",
    "problem_domain": "Domain",
    "match_keywords": "Keywords",
    "tree_structure": "Tree",
    "non_field_errors": "Flow",
}
TREE_TYPE_CHOICES = [(tree_type, tree_type) for tree_type in TREE_TYPES]


def _one_line(text: str) -> str:
    return " ".join(text.split())


class NewFlowForm(forms.Form):
    """A new flow from a skeleton: its kind, and a name (“Untitled flow” without one)."""

    tree_type = forms.ChoiceField(choices=TREE_TYPE_CHOICES, error_messages={"required": "Choose the kind of flow."})
    name = forms.CharField(required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tree_type"].error_messages["invalid_choice"] = "Choose the kind of flow."

    def envelope(self) -> dict:
        tree_type = self.cleaned_data["tree_type"]
        return {
            "name": _one_line(self.cleaned_data["name"]) or "Untitled flow",
            "description": "",
            "tree_type": tree_type,
            "problem_domain": None,
            "match_keywords": [],
            "tree_structure": tree_edit.new_tree(tree_type),
        }


class ImportForm(forms.Form):
    """Pasted or uploaded JSON (an envelope or a bare tree); an uploaded file wins over the text box.
    Valid, `cleaned_data["envelope"]` is the cleaned envelope, named after the file without a name of its own."""

    json = forms.CharField(required=False, strip=False)
    file = forms.FileField(required=False)

    def clean(self):
        if self.errors:
            return self.cleaned_data
        text, filename = self._text()
        self.cleaned_data["text"] = text
        try:
            self.cleaned_data["envelope"] = _import_envelope(text, default_name=_name_from_filename(filename))
        except InvalidEnvelope as exc:
            raise ValidationError(f"{FIELD_LABELS.get(exc.field, exc.field)}: {exc.message}") from None
        return self.cleaned_data

    def _text(self) -> tuple[str, str]:
        upload = self.cleaned_data.get("file")
        if upload is not None:
            if upload.size > IMPORT_MAX_BYTES:
                raise ValidationError("The file is larger than 1 MB.")
            try:
                return upload.read().decode("utf-8-sig"), upload.name
            except UnicodeDecodeError:
                raise ValidationError("The file is not UTF-8 text.") from None
        text = self.cleaned_data.get("json", "")
        if not text.strip():
            raise ValidationError("Paste the flow's JSON or choose a file.")
        if len(text.encode()) > IMPORT_MAX_BYTES:
            raise ValidationError("The JSON is larger than 1 MB.")
        return text, ""

    def text(self) -> str:
        """What the text box shows again after a refusal: the pasted JSON (never an uploaded file's)."""
        return self.data.get("json", "") if self.data.get("json", "") and not self.files.get("file") else ""


def _import_envelope(text: str, *, default_name: str) -> dict:
    try:
        data = json_input.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidEnvelope(
            "non_field_errors", f"not valid JSON ({exc.msg}, line {exc.lineno} column {exc.colno})"
        ) from None
    except json_input.InvalidJSON as exc:  # nested too deep, a NUL or NaN
        raise InvalidEnvelope("non_field_errors", str(exc)) from None
    return services.clean(data, defaults={"name": default_name})


def _name_from_filename(filename: str) -> str:
    stem = Path(filename or "").stem.replace("-", " ").replace("_", " ").strip()
    return stem.capitalize() if stem else "Imported flow"


def _text_field(**kwargs) -> forms.CharField:
    """Typed text, kept as typed (spaces matter while editing); NUL characters are refused."""
    return forms.CharField(required=False, strip=False, **kwargs)


class OperationForm(forms.Form):
    """One edit operation of the tree (`op`) with the fields it reads; `apply(structure)` performs it."""

    OPERATIONS = (
        "set_text",
        "add_option",
        "add_next",
        "remove",
        "move_up",
        "move_down",
        "change_type",
        "set_script",
        "clear_script",
        "set_open",
        "add_step",
        "remove_step",
        "move_step_up",
        "move_step_down",
        "set_step_text",
        "reset",
    )
    # Edits of text save in place (the page keeps its focus); every other operation redraws the tree.
    IN_PLACE = ("set_text", "set_step_text", "set_script")

    op = forms.CharField(error_messages={"required": "Choose an operation."})
    node_id = _text_field()  # a draft may keep an id the validator refuses: it can still be edited away
    field = _text_field(max_length=50)
    value = _text_field()
    new_type = _text_field(max_length=50)
    template = _text_field(max_length=200)
    params = _text_field()
    open = _text_field(max_length=10)
    tree_type = forms.ChoiceField(choices=TREE_TYPE_CHOICES, required=False)

    def clean_op(self):
        op = self.cleaned_data["op"]
        if op not in self.OPERATIONS:
            raise ValidationError(f"Unknown operation '{op[:40]}'.")
        return op

    @property
    def redraws_tree(self) -> bool:
        return self.cleaned_data["op"] not in self.IN_PLACE

    def apply(self, structure) -> dict:
        """The structure after the operation; tree_edit raises TreeEditError for an edit it refuses."""
        data = self.cleaned_data
        op, node_id = data["op"], data["node_id"]
        if op == "set_text":
            return tree_edit.set_text(structure, node_id, data["field"], data["value"])
        if op == "add_option":
            return tree_edit.add_option(structure, node_id)
        if op == "add_next":
            return tree_edit.add_next(structure, node_id)
        if op == "remove":
            return tree_edit.remove_node(structure, node_id)
        if op in ("move_up", "move_down"):
            return tree_edit.move_option(structure, node_id, -1 if op == "move_up" else 1)
        if op == "change_type":
            return tree_edit.change_type(structure, node_id, data["new_type"])
        if op == "set_script":
            if not data["template"].strip():
                return tree_edit.clear_script(structure, node_id)
            return tree_edit.set_script(structure, node_id, data["template"], tree_edit.parse_params(data["params"]))
        if op == "clear_script":
            return tree_edit.clear_script(structure, node_id)
        if op == "set_open":
            return tree_edit.set_open(structure, node_id, data["open"] == "1")
        if op == "add_step":
            return tree_edit.add_step(structure, node_id or None)
        if op == "remove_step":
            return tree_edit.remove_step(structure, node_id)
        if op in ("move_step_up", "move_step_down"):
            return tree_edit.move_step(structure, node_id, -1 if op == "move_step_up" else 1)
        if op == "set_step_text":
            return tree_edit.set_step_text(structure, node_id, data["field"], data["value"])
        return tree_edit.new_tree(data["tree_type"] or TROUBLESHOOTING)  # reset


class MetaForm(forms.Form):
    """Name, description, domain, keywords and flow type. `changes(envelope)` is the envelope with them."""

    name = forms.CharField(required=False, strip=False)
    description = forms.CharField(required=False)
    problem_domain = forms.CharField(required=False, max_length=100)
    match_keywords = forms.CharField(required=False, strip=False)
    tree_type = forms.ChoiceField(choices=TREE_TYPE_CHOICES, required=False)

    def clean_match_keywords(self) -> list[str]:
        """The comma- or line-separated field. Input beyond the envelope's caps is refused whole (nothing
        saved), never cut: every render re-validates the draft."""
        keywords = [k.strip() for k in re.split(r"[,\n]", self.cleaned_data["match_keywords"]) if k.strip()]
        if len(keywords) > MAX_KEYWORDS:
            raise ValidationError(f"Keywords: {too_many_keywords(len(keywords))}. Nothing was saved.")
        too_long = next((k for k in keywords if len(k) > MAX_KEYWORD_LENGTH), None)
        if too_long is not None:
            raise ValidationError(
                f"Keywords: “{too_long[:40]}…” is longer than {MAX_KEYWORD_LENGTH} characters. Nothing was saved."
            )
        return keywords

    def changes_type(self, envelope: dict) -> bool:
        tree_type = self.cleaned_data["tree_type"]
        return bool(tree_type) and tree_type != envelope.get("tree_type")

    def changed(self, envelope: dict) -> dict:
        """`envelope` with the posted fields; a new flow type converts the structure."""
        data = self.cleaned_data
        updated = {
            **envelope,
            "name": _one_line(data["name"]),
            "description": data["description"].replace("\r\n", "\n").strip(),
            "problem_domain": data["problem_domain"] or None,
            "match_keywords": data["match_keywords"],
        }
        if self.changes_type(envelope):
            updated["tree_type"] = data["tree_type"]
            updated["tree_structure"] = tree_edit.convert_tree(envelope.get("tree_structure"), data["tree_type"])
        return updated


class PublishForm(forms.Form):
    """The publish note (kept to its first 500 characters) and `force`: publish over a newer version."""

    note = forms.CharField(required=False)
    force = forms.BooleanField(required=False)

    def clean_note(self) -> str:
        return self.cleaned_data["note"][:PUBLISH_NOTE_LENGTH]
