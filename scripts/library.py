"""The built-in library: the templates shipped in scripts/builtin/ as data files.

Each template is two files: `<slug>.json` (name, description, category, requires_elevation, version,
parameters) and `<slug>.ps1` (the body). `categories.json` lists the categories in library order.
"""

import json
from pathlib import Path

from django.db import transaction

from scripts import template_engine
from scripts.errors import InvalidSchema, InvalidTemplate
from scripts.models import ScriptCategory, ScriptTemplate

BUILTIN_DIR = Path(__file__).resolve().parent / "builtin"
CATEGORIES_FILE = "categories.json"


def builtin_definitions(directory: Path = BUILTIN_DIR) -> list[dict]:
    """Every shipped template as a dict (slug, name, ..., body, parameters_schema), checked by the engine.

    Raises InvalidTemplate / InvalidSchema naming the file: a broken built-in must never load.
    """
    definitions = []
    for meta_file in sorted(directory.glob("*.json")):
        if meta_file.name == CATEGORIES_FILE:
            continue
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        body = meta_file.with_suffix(".ps1").read_text(encoding="utf-8").replace("\r\n", "\n")
        schema = {"parameters": meta.get("parameters", [])}
        try:
            template_engine.check_template(body, schema)
        except (InvalidTemplate, InvalidSchema) as error:
            raise type(error)([f"{meta_file.stem}: {problem}" for problem in error.problems]) from None
        definitions.append(
            {
                "slug": meta_file.stem,
                "name": meta["name"],
                "description": meta.get("description", ""),
                "category": meta["category"],
                "requires_elevation": bool(meta.get("requires_elevation", False)),
                "version": int(meta.get("version", 1)),
                "body": body,
                "parameters_schema": schema,
            }
        )
    return definitions


def builtin_categories(directory: Path = BUILTIN_DIR) -> list[dict]:
    return json.loads((directory / CATEGORIES_FILE).read_text(encoding="utf-8"))


@transaction.atomic
def load_builtin_templates(directory: Path = BUILTIN_DIR) -> dict[str, int]:
    """Create or update the built-in templates (account=None) by slug, idempotently.

    Usage counts are kept. A built-in no longer shipped is deactivated, never deleted (generations and
    accounts' copies refer to it). Returns {"created", "updated", "unchanged", "deactivated"} counts.
    """
    categories = {}
    for position, row in enumerate(builtin_categories(directory)):
        categories[row["slug"]], _ = ScriptCategory.objects.update_or_create(
            slug=row["slug"],
            defaults={"name": row["name"], "description": row.get("description", ""), "position": position},
        )
    counts = {"created": 0, "updated": 0, "unchanged": 0, "deactivated": 0}
    existing = {t.slug: t for t in ScriptTemplate.objects.filter(account__isnull=True)}
    shipped = set()
    for definition in builtin_definitions(directory):
        slug = definition.pop("slug")
        shipped.add(slug)
        definition["category_id"] = categories[definition.pop("category")].pk
        definition["is_active"] = True
        template = existing.get(slug)
        if template is None:
            ScriptTemplate.objects.create(account=None, team=None, slug=slug, **definition)
            counts["created"] += 1
            continue
        changed = [field for field, value in definition.items() if getattr(template, field) != value]
        if changed:
            for field in changed:
                setattr(template, field, definition[field])
            template.save(update_fields=[*changed, "updated_at"])
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    gone = [slug for slug, template in existing.items() if slug not in shipped and template.is_active]
    counts["deactivated"] = ScriptTemplate.objects.filter(account__isnull=True, slug__in=gone).update(is_active=False)
    return counts
