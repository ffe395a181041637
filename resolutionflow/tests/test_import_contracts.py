"""Apps depend one way (analytics -> flowpilot -> knowledge | scripts -> resolutionflow), and the lint says so.

`make lint` runs import-linter with the contract in `.importlinter`. import-linter sees imports only; a
lower app could still reach a higher one by naming it in a string (`import_string("flowpilot...")`,
`apps.get_model("flowpilot", ...)`), so that is checked here by the same rule. A foreign key to a higher
app's model by string reference ("flowpilot.AISession") stays allowed.
"""

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
LAYERS = [{"analytics"}, {"flowpilot"}, {"knowledge", "scripts"}, {"resolutionflow"}]
APPS = set().union(*LAYERS)
# Exempt as in .importlinter: the test packages and the composition root (and the settings that name apps).
COMPOSITION_ROOT = {"resolutionflow/urls.py", "resolutionflow/api/urls.py", "resolutionflow/settings.py"}


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_import_contracts_pass():
    result = lint_imports(BASE_DIR)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "source", "broken"),
    [
        ("knowledge/upward.py", "from flowpilot import models\n", "knowledge.upward -> flowpilot.models"),
        ("scripts/sideways.py", "import knowledge.models\n", "scripts.sideways -> knowledge.models"),
        ("resolutionflow/upward.py", "from analytics import gaps\n", "resolutionflow.upward -> analytics.gaps"),
    ],
)
def test_an_upward_or_sideways_import_breaks_the_contract(tmp_path, module, source, broken):
    for app in APPS:
        shutil.copytree(
            BASE_DIR / app, tmp_path / app, ignore=shutil.ignore_patterns("__pycache__", "static", "templates")
        )
    shutil.copy(BASE_DIR / ".importlinter", tmp_path)
    assert lint_imports(tmp_path).returncode == 0  # the copy is as clean as the project

    (tmp_path / module).write_text(source)
    result = lint_imports(tmp_path)

    assert result.returncode == 1
    assert "1 broken" in result.stdout and broken in result.stdout


def higher_than(app: str) -> set[str]:
    """The apps `app` may not reach: those above its layer, and its siblings in the same layer."""
    index = next(i for i, layer in enumerate(LAYERS) if app in layer)
    return set().union(*LAYERS[:index]) | (LAYERS[index] - {app})


def strings_reaching(path: Path, forbidden: set[str]) -> list[str]:
    """Dotted module paths (`flowpilot.demo.seed`) and `get_model("flowpilot", ...)` naming a forbidden app;
    docstrings and model labels (`"flowpilot.AISession"`, a string foreign key) are not references."""
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    dotted = re.compile(rf"^({'|'.join(sorted(forbidden))})(\.[a-z_]\w*)+$")
    found = []
    for node in ast.walk(tree):
        is_text = isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
        if is_text and dotted.match(node.value):
            found.append(f"{path.relative_to(BASE_DIR)}:{node.lineno}: {node.value!r}")
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "get_model"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and str(node.args[0].value).split(".")[0] in forbidden
        ):
            found.append(f"{path.relative_to(BASE_DIR)}:{node.lineno}: get_model({node.args[0].value!r})")
    return sorted(found, key=lambda line: int(line.split(":")[1]))


def test_no_app_reaches_a_higher_one_by_a_dotted_string():
    found = []
    for app in APPS:
        for path in sorted((BASE_DIR / app).rglob("*.py")):
            relative = path.relative_to(BASE_DIR).as_posix()
            if "/tests/" in relative or "/migrations/" in relative or relative in COMPOSITION_ROOT:
                continue
            found += strings_reaching(path, higher_than(app))

    assert found == []


def test_the_string_check_sees_an_import_string_and_a_get_model(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "BASE_DIR", tmp_path)
    module = tmp_path / "demo.py"
    module.write_text(
        '"""Names knowledge.models in its docstring, which is fine."""\n'
        'STEPS = ["flowpilot.demo.seed", "resolutionflow.demo.seed"]\n'
        'FK = "flowpilot.AISession"\n'
        'Session = apps.get_model("flowpilot", "AISession")\n'
    )

    assert strings_reaching(module, higher_than("resolutionflow")) == [
        "demo.py:2: 'flowpilot.demo.seed'",
        "demo.py:4: get_model('flowpilot')",
    ]
