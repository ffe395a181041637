"""The starter library: realistic MSP flows shipped with the product (knowledge/starter_flows/*.json)."""

import json
from functools import cache
from pathlib import Path

from knowledge.models import Origin, Tree
from knowledge.services import create_flow

STARTER_DIR = Path(__file__).resolve().parent / "starter_flows"


@cache
def starter_envelopes() -> tuple[dict, ...]:
    """Every starter flow as `{"slug", ...envelope}`, sorted by slug (read once per process)."""
    return tuple(json.loads(path.read_text()) for path in sorted(STARTER_DIR.glob("*.json")))


def import_starter_library(account, author=None, *, slugs=None) -> list[Tree]:
    """Add the starter flows an account does not have yet (by slug), published as imported flows."""
    existing = set(Tree.objects.for_account(account).exclude(slug="").values_list("slug", flat=True))
    created = []
    for data in starter_envelopes():
        slug = data["slug"]
        if slug in existing or (slugs is not None and slug not in slugs):
            continue
        envelope = {k: v for k, v in data.items() if k != "slug"}
        created.append(
            create_flow(account, envelope, author=author, origin=Origin.IMPORTED, slug=slug, note="Starter library")
        )
    return created
