"""The built-in library: shipped as data files, loaded idempotently, and complete for the starter flows."""

import json
import re
from pathlib import Path

import pytest

from scripts import template_engine
from scripts.library import BUILTIN_DIR, builtin_definitions, load_builtin_templates
from scripts.models import ScriptCategory, ScriptTemplate

STARTER_FLOWS = Path(__file__).resolve().parents[2] / "knowledge" / "starter_flows"
# The slugs (and parameter keys) the starter flows' action nodes refer to.
FLOW_SLUGS = {
    "ad-unlock-user": {"sam_account_name"},
    "ad-reset-password": {"sam_account_name"},
    "ad-find-lockout-source": {"sam_account_name"},
    "flush-dns-reset-winsock": set(),
    "clear-print-spooler": set(),
    "restart-service": {"service_name"},
    "m365-revoke-sessions": {"user_principal_name"},
    "exo-mailbox-permissions": {"mailbox", "user_principal_name", "access_rights"},
    "test-network-port": {"computer_name", "port"},
}
RETIRED = re.compile(
    r"\b(MSOnline|AzureAD|AzureADPreview|Connect-MsolService|\w+-Msol\w+|\w+-AzureAD\w+|Get-MessageTrace)\b"
)


def test_the_library_has_at_least_twenty_templates_in_known_categories():
    definitions = builtin_definitions()
    categories = {row["slug"] for row in json.loads((BUILTIN_DIR / "categories.json").read_text())}

    assert len(definitions) >= 20
    assert {d["category"] for d in definitions} <= categories
    assert len({d["slug"] for d in definitions}) == len(definitions)


@pytest.mark.parametrize(("slug", "keys"), FLOW_SLUGS.items())
def test_every_slug_the_starter_flows_use_exists_with_their_parameter_keys(slug, keys):
    definition = next((d for d in builtin_definitions() if d["slug"] == slug), None)

    assert definition is not None
    assert keys <= {p["key"] for p in definition["parameters_schema"]["parameters"]}


def test_every_script_reference_in_the_starter_flows_resolves_with_valid_values():
    by_slug = {d["slug"]: template_engine.parse_schema(d["parameters_schema"]) for d in builtin_definitions()}
    references = []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("script"), dict):
                references.append(node["script"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in STARTER_FLOWS.glob("*.json"):
        walk(json.loads(path.read_text()))

    assert references
    for reference in references:
        parameters = {p.key: p for p in by_slug[reference["template"]]}
        for key, value in reference["params"].items():
            assert key in parameters, (reference["template"], key)
            if value not in ("", None):
                template_engine.clean_value(parameters[key], value)


def test_the_builtins_use_current_modules_not_the_retired_ones():
    for definition in builtin_definitions():
        assert not RETIRED.search(definition["body"]), definition["slug"]


def test_every_builtin_names_its_module_and_elevation_in_a_requires_line():
    for definition in builtin_definitions():
        body = definition["body"]
        if definition["requires_elevation"]:
            assert "#Requires -RunAsAdministrator" in body, definition["slug"]
        for module, marker in (("ActiveDirectory", "-ADUser"), ("ExchangeOnlineManagement", "Connect-ExchangeOnline")):
            if marker in body:
                assert f"#Requires -Modules {module}" in body, definition["slug"]
        if "Connect-MgGraph" in body:
            assert "#Requires -Modules Microsoft.Graph." in body, definition["slug"]


@pytest.mark.django_db
def test_loading_creates_the_builtins_once_and_keeps_usage_counts():
    first = load_builtin_templates()
    ScriptTemplate.objects.filter(slug="ad-unlock-user").update(usage_count=7)

    second = load_builtin_templates()

    count = len(builtin_definitions())
    assert first == {"created": count, "updated": 0, "unchanged": 0, "deactivated": 0}
    assert second == {"created": 0, "updated": 0, "unchanged": count, "deactivated": 0}
    assert ScriptTemplate.objects.filter(account__isnull=True).count() == count
    assert ScriptTemplate.objects.get(slug="ad-unlock-user").usage_count == 7
    assert ScriptCategory.objects.order_by("position").first().slug == "active-directory"


@pytest.mark.django_db
def test_loading_updates_a_changed_builtin_and_deactivates_one_no_longer_shipped(tmp_path):
    load_builtin_templates()
    for path in BUILTIN_DIR.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    meta = json.loads((tmp_path / "ad-unlock-user.json").read_text())
    meta["version"] = 2
    (tmp_path / "ad-unlock-user.json").write_text(json.dumps(meta))
    (tmp_path / "ad-user-status.json").unlink()

    counts = load_builtin_templates(tmp_path)

    assert counts["updated"] == 1 and counts["deactivated"] == 1
    assert ScriptTemplate.objects.get(slug="ad-unlock-user").version == 2
    assert not ScriptTemplate.objects.get(slug="ad-user-status").is_active


def test_a_broken_builtin_refuses_to_load_and_names_its_file(tmp_path):
    for path in BUILTIN_DIR.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    (tmp_path / "ad-unlock-user.ps1").write_text('Write-Host "Unlocking {{sam_account_name}}"\n')

    with pytest.raises(template_engine.InvalidTemplate) as error:
        builtin_definitions(tmp_path)

    assert error.value.problems[0].startswith("ad-unlock-user: Line 1:")


def test_the_committed_pygments_stylesheet_is_the_generated_one():
    from django.conf import settings

    from scripts.highlighting import stylesheet

    assert (Path(settings.BASE_DIR) / "static" / "css" / "pygments.css").read_text() == stylesheet()
