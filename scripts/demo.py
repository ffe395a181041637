"""Demo scripts: the built-in template library (shared by every account)."""

from scripts.library import load_builtin_templates


def seed(accounts) -> str:
    counts = load_builtin_templates()
    return f"built-in script templates: {counts}"
