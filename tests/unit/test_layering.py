"""core/ is the base: no module in it imports the packages built on it; the record, knowledge and
analysis packages import neither the servers nor the launcher (read from the source with ast, so
imports inside functions and under TYPE_CHECKING count too)."""
from __future__ import annotations

import ast
from pathlib import Path

from core.settings import PROJECT_ROOT

BUILT_ON_CORE = frozenset({"bot", "web", "index", "insights", "submissions", "launch", "tests", "benchmarks"})
# The servers and the composition root; the packages they are built from never import these.
ABOVE_THE_DOMAIN = frozenset({"bot", "web", "launch"})


def imported_modules(source: str) -> list[str]:
    """Every absolute module name the source imports (``from x import y`` gives ``x``)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def upward_imports(package_dir: Path, root: Path, above: frozenset[str] = BUILT_ON_CORE) -> list[str]:
    """``path: module`` for each import of a package in ``above`` under ``package_dir``."""
    return [f"{path.relative_to(root)}: {name}"
            for path in sorted(package_dir.rglob("*.py"))
            for name in imported_modules(path.read_text(encoding="utf-8"))
            if name.split(".")[0] in above]


def test_core_imports_nothing_built_on_it() -> None:
    assert upward_imports(PROJECT_ROOT / "core", PROJECT_ROOT) == []


def test_records_knowledge_and_analysis_import_neither_servers_nor_launcher() -> None:
    for package in ("submissions", "index", "insights"):
        assert upward_imports(PROJECT_ROOT / package, PROJECT_ROOT, ABOVE_THE_DOMAIN) == [], package


def test_installed_packages_need_neither_the_tests_nor_the_benchmarks() -> None:
    """tests/ and benchmarks/ are not installed: no installed module may import them."""
    for package in ("core", "submissions", "index", "insights", "bot", "web", "launch"):
        assert upward_imports(PROJECT_ROOT / package, PROJECT_ROOT, frozenset({"tests", "benchmarks"})) == [], package


def test_an_upward_import_is_found_wherever_it_is_written(tmp_path: Path) -> None:
    package = tmp_path / "core"
    (package / "inner").mkdir(parents=True)
    (package / "inner" / "helper.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import submissions.models\n"
        "def later():\n    from launch import launcher\n    from .sibling import x\n", encoding="utf-8")
    (package / "fine.py").write_text("import os\nfrom core.settings import Settings\nimport indexing_tools\n", encoding="utf-8")
    assert upward_imports(package, tmp_path) == ["core/inner/helper.py: submissions.models",
                                                 "core/inner/helper.py: launch"]
