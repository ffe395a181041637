"""Template sources: what Django's template syntax would print on a page instead of reading."""

import re
from pathlib import Path

from django.conf import settings

TEMPLATE_DIRS = [Path(directory) for directory in settings.TEMPLATES[0]["DIRS"]]
UNCLOSED_COMMENT = re.compile(r"\{#(?!.*#\})")


def template_files():
    return sorted(path for directory in TEMPLATE_DIRS for path in directory.rglob("*.html"))


def test_the_project_templates_are_found():
    assert len(template_files()) > 40


def test_every_short_comment_closes_on_its_own_line():
    # `{# ... #}` is one line in Django: spread over two, it is not a comment and shows on the page.
    unclosed = [
        f"{path.relative_to(settings.BASE_DIR)}:{number}"
        for path in template_files()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if UNCLOSED_COMMENT.search(line)
    ]

    assert unclosed == [], "use {% comment %} for comments over several lines"
