"""A list page's filters, read from its query string by a Django form.

Filters live in the URL (bookmarks, the back button), so any value can arrive by hand. A list never answers
400 or 500 for one: a value the list does not know is ignored (that filter takes its default) and the page
says so in a warning. A partial (htmx) request comes from the page's own filter controls, which only send
known values, so it gets no warning.

    form = SessionFilterForm(request.GET)
    filters = form.values(request)        # every field, defaults for missing or unknown values

The JSON API reads its list filters with serializers instead, and answers 400 with the field's error.
"""

from django import forms
from django.conf import settings
from django.contrib import messages

from resolutionflow.htmx import is_partial

UNKNOWN_DOMAIN = "unknown"  # the filter value for sessions, flows and proposals without a problem domain


def domain_choices(*, blank: str = "All domains") -> list[tuple[str, str]]:
    """The problem domains (a setting) as filter choices, with "unknown" for rows without one."""
    return [("", blank), *((domain, domain) for domain in settings.PROBLEM_DOMAINS), (UNKNOWN_DOMAIN, "Unknown")]


class ListFilterForm(forms.Form):
    """Subclasses declare their filters as optional fields; a field's `initial` is its default."""

    def __init__(self, params, **kwargs):
        super().__init__(params, **kwargs)
        self._values: dict | None = None

    def values(self, request=None) -> dict:
        """Every filter: its cleaned value, or its default when missing, blank or not one the list knows.
        With `request`, a full-page request gets a warning naming the values ignored."""
        if self._values is None:
            self.is_valid()
            self._values = {}
            for name, field in self.fields.items():
                value = self.cleaned_data.get(name) if name not in self.errors else None
                default = field.initial if field.initial is not None else ""
                self._values[name] = default if value in (None, "") else value
        if request is not None and self.ignored and not is_partial(request):
            messages.warning(request, self.ignored_message())
        return self._values

    @property
    def ignored(self) -> list[str]:
        """The names of the filters whose value was not understood."""
        self.is_valid()
        return [name for name in self.fields if name in self.errors]

    def ignored_message(self) -> str:
        shown = ", ".join(f"{self._label(name)} “{str(self.data.get(name, ''))[:40]}”" for name in self.ignored)
        return f"Ignored what this list does not know: {shown}. Showing the list without it."

    def _label(self, name: str) -> str:
        return str(self.fields[name].label or name.replace("_", " ")).lower()
