"""The benches run where `make run` installs (requirements.txt only), and `make bench` reads their figures."""

import ast
import re
from pathlib import Path

import pytest

from bench import run_all

ROOT = Path(__file__).resolve().parent.parent
BENCHES = sorted((ROOT / "bench").glob("*.py"))
# requirements-dev.txt names whose import name differs from the distribution name.
IMPORT_NAMES = {"factory-boy": "factory", "pytest-django": "pytest_django", "pytest-xdist": "xdist"}


def dev_only_modules() -> set[str]:
    """Top-level modules of what requirements-dev.txt adds to requirements.txt."""
    names = set()
    for line in (ROOT / "requirements-dev.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line or line.startswith("-"):
            continue
        distribution = re.split(r"[=<>!~\[; ]", line, maxsplit=1)[0].lower()
        names.add(IMPORT_NAMES.get(distribution, distribution.replace("-", "_")))
    return names


def imported_modules(path: Path) -> set[str]:
    """Every module the file imports, at the top or inside a function."""
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize("path", BENCHES, ids=[p.stem for p in BENCHES])
def test_a_bench_imports_no_test_code_and_no_dev_requirement(path):
    dev = dev_only_modules()
    assert "factory" in dev and "pytest" in dev

    wrong = sorted(
        module
        for module in imported_modules(path)
        if module.split(".")[0] in dev or ".tests" in f".{module}" or module.split(".")[-1] == "conftest"
    )

    assert wrong == [], f"{path.name} imports {wrong}: a bench runs without the test requirements"


@pytest.mark.parametrize(
    ("metric", "value", "target", "met"),
    [
        ("ms", "14.2", "<=15", True),
        ("ms", "15.1", "<=15", False),
        ("recall", "0.97", ">=0.95", True),
        ("recall", "0.94", ">=0.95", False),
        ("sessions_per_s", "104", "100", True),  # a bare target is a minimum...
        ("sessions_per_s", "99", "100", False),
        ("ms", "21", "20", False),  # ...except for a time, a maximum
        ("count", "0", "<=0", True),
        ("ms", "nan", "<=20", False),
        ("ms", "12", "soon", False),
    ],
)
def test_a_figure_is_met_as_its_target_says(metric, value, target, met):
    assert run_all.meets(metric, value, target) is met


def test_result_lines_are_read_from_a_bench_output():
    found = run_all.RESULT.match("RESULT matching_p95 ms=11.3 target=<=15")

    assert (found["name"], found["metric"], found["value"], found["target"]) == ("matching_p95", "ms", "11.3", "<=15")
    assert run_all.RESULT.match("p95 11.3 ms") is None


def test_every_bench_is_run_by_make_bench():
    run = {name for name, _ in run_all.benches(full=False)}
    helpers = {"__init__", "setup_django", "run_all", "settle"}

    assert run == {p.stem for p in BENCHES} - helpers
    assert dict(run_all.benches(full=True))["analytics_scale"] == ["--sessions", "1000000"]
    assert dict(run_all.benches(full=False))["analytics_scale"] == ["--sessions", "100000"]
