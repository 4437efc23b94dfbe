"""Imports live at the top of a module (docs/ARCHITECTURE.md, "Imports").

Read from the source: every .py file of the repository (not migrations, not the virtualenv) is parsed with `ast`
and an `import` or `from ... import` inside a function body fails here, unless the allow-list below names it:
- inside `AppConfig.ready()` (the app registry is loading; receivers and checks are imported there);
- a lazily loaded heavy library (HEAVY_LIBRARIES, by top-level module name), imported only where it is used;
- `manage.py`'s `main()` (Django's own template);
- the benchmark scripts' imports of app modules (BENCHMARK_DEFERRED): they choose and create their database at
  run time, then call `django.setup()`, and only then may models be imported.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_DIRS = {".venv", "node_modules", "migrations", "static", ".git", "__pycache__"}
HEAVY_LIBRARIES = {
    "weasyprint",  # the invoice PDF (statements/pdf.py): pango/cairo bindings, loaded on the first PDF
    "qrcode",  # the authenticator QR code (workspaces/two_factor.py), drawn only on the enrolment page
    "playwright",  # the browser tests (tests/e2e/conftest.py): the browser driver starts only for them
}
ALLOWED_FUNCTIONS = {
    ("manage.py", "main"),
}
# Benchmark scripts: app modules imported after django.setup() inside the function that sets up Django.
BENCHMARK_DEFERRED = {"benchmarks"}


def _python_files() -> list[Path]:
    return [path for path in sorted(ROOT.rglob("*.py"))
            if not SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts)]


def _module_name(node: ast.Import | ast.ImportFrom) -> str:
    if isinstance(node, ast.ImportFrom):
        return node.module or ""
    return node.names[0].name


def _local_imports(tree: ast.Module) -> list[tuple[str, int, str]]:
    """(function, line, module) of every import inside a function body, nested functions included."""
    found: list[tuple[str, int, str]] = []

    def walk(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                walk(child, function or child.name)
            elif isinstance(child, ast.Import | ast.ImportFrom) and function is not None:
                found.append((function, child.lineno, _module_name(child)))
            else:
                walk(child, function)

    walk(tree, None)
    return found


def _allowed(relative: Path, function: str, module: str) -> bool:
    if function == "ready":
        return True
    if module.split(".")[0] in HEAVY_LIBRARIES:
        return True
    if (relative.as_posix(), function) in ALLOWED_FUNCTIONS:
        return True
    return relative.parts[0] in BENCHMARK_DEFERRED and module.split(".")[0] not in {
        "psycopg2", "httpx", "datetime", "decimal", "os", "sys", "re", "json"
    }


def test_no_import_inside_a_function():
    offenders = []
    for path in _python_files():
        relative = path.relative_to(ROOT)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(relative))
        for function, line, module in _local_imports(tree):
            if not _allowed(relative, function, module):
                offenders.append(f"{relative}:{line} {function}() imports {module}")
    assert offenders == [], "Move these imports to the top of the module:\n" + "\n".join(offenders)


def test_the_check_sees_a_local_import():
    tree = ast.parse("import os\n\ndef f():\n    from decimal import Decimal\n    return Decimal(1)\n")
    assert _local_imports(tree) == [("f", 4, "decimal")]
