"""Every test proves something, and a test that reads "today" runs on a fixed clock (docs/RULES-proof.md).

Read from the source (the AST of every test module), so a new test that asserts nothing, or that compares with
the real date, fails here before it can pass by accident.

A test function proves something when its body (nested helpers included) contains one of:
- an `assert` statement;
- `pytest.raises(...)` or `pytest.warns(...)`;
- a call whose name starts with `assert` (unittest's `self.assertEqual`, a mock's `assert_called_once_with`) or
  `django_assert` (pytest-django's query counters);
- a call to a helper whose name starts with `assert_`, `check_` or `expect_` (the helper asserts);
- a fixture in ASSERTING_FIXTURES (asserts at its teardown) or a call in ASSERTING_CALLS (runs assertions
  written elsewhere): two tiny, commented allow-lists.

A test that asserts on the real clock (`date.today()`, `timezone.now()`, `account_today(...)` inside an
`assert`) must run under a fixed clock: `@pytest.mark.time_machine(FIXED_NOW)` (tests/clock.py), a
`time_machine.travel` decorator or block, or the `time_machine` fixture.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEST_ROOTS = ["tests", "core", "workspaces", "plans", "payments", "orders", "quota", "statements", "notifications",
              "audit", "webhooks"]
HELPER_PREFIXES = ("assert", "django_assert", "check_", "expect_")
# Fixtures whose teardown asserts, so a test that only uses them still proves something. Keep this tiny.
ASSERTING_FIXTURES = {
    "ledger_clean",  # payments/tests/conftest.py: every balance equals its ledger at the end of the test
}
# Calls that run assertions written elsewhere. Keep this tiny.
ASSERTING_CALLS = {
    "run_state_machine_as_test",  # hypothesis: the state machine's @invariant/@rule methods assert
}
# Reading the real clock inside an assertion: the test must run under time_machine.travel (or the
# time_machine fixture), or it can fail around midnight or a month's end.
REAL_CLOCK_CALLS = {"today", "now", "localdate", "account_today", "vendor_today"}


def _test_modules() -> list[Path]:
    modules = []
    for root in TEST_ROOTS:
        for path in sorted((ROOT / root).rglob("test_*.py")):
            if ".venv" not in path.parts:
                modules.append(path)
    return modules


def _test_functions(tree: ast.Module):
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
            yield node
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for member in node.body:
                if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef) and member.name.startswith("test"):
                    yield member


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Call):
        return _dotted(node.func)
    return ""


def _proves_something(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    arguments = {arg.arg for arg in function.args.args}
    if arguments & ASSERTING_FIXTURES:
        return True
    for node in ast.walk(function):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Call):
            name = _call_name(node)
            if (_dotted(node.func) in ("pytest.raises", "pytest.warns") or name.startswith(HELPER_PREFIXES)
                    or name in ASSERTING_CALLS):
                return True
    return False


def _travels(function: ast.FunctionDef | ast.AsyncFunctionDef, module_tree: ast.Module) -> bool:
    """Under a fixed clock: a time_machine decorator or context, the time_machine fixture, or a module-level
    time_machine mark/fixture (pytestmark or an autouse fixture that travels)."""
    if "time_machine" in {arg.arg for arg in function.args.args}:
        return True
    for decorator in function.decorator_list:
        if "time_machine" in _dotted(decorator):
            return True
    for node in ast.walk(function):
        if isinstance(node, ast.With | ast.AsyncWith) and any(
                "time_machine" in _dotted(item.context_expr) for item in node.items):
            return True
    return any(_module_travels(node) for node in module_tree.body)


def _module_travels(node: ast.stmt) -> bool:
    """`pytestmark = ... time_machine ...`, or an autouse fixture of the module that uses time_machine."""
    if isinstance(node, ast.Assign) and any(getattr(target, "id", "") == "pytestmark" for target in node.targets):
        return "time_machine" in ast.unparse(node.value)
    if isinstance(node, ast.FunctionDef):
        autouse = any("autouse=True" in ast.unparse(decorator) for decorator in node.decorator_list)
        return autouse and "time_machine" in ast.unparse(node)
    return False


def _reads_real_clock_in_assert(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for node in ast.walk(function):
        if isinstance(node, ast.Assert):
            for inner in ast.walk(node):
                if (isinstance(inner, ast.Call) and _call_name(inner) in REAL_CLOCK_CALLS
                        and not any(keyword.arg == "now" for keyword in inner.keywords)):
                    return True
    return False


def _offenders(check) -> list[str]:
    found = []
    for path in _test_modules():
        tree = ast.parse(path.read_text(), filename=str(path))
        for function in _test_functions(tree):
            if check(function, tree):
                found.append(f"{path.relative_to(ROOT).as_posix()}:{function.lineno} {function.name}")
    return found


def test_the_walk_finds_the_suite():
    assert len(_test_modules()) > 50


def test_every_test_function_asserts_something():
    offenders = _offenders(lambda function, tree: not _proves_something(function))
    assert offenders == [], "tests that assert nothing (see this module's docstring):\n" + "\n".join(offenders)


def test_no_assertion_reads_the_real_clock():
    """`assert x == date.today()` passes today and fails at midnight in another zone: travel to a fixed moment
    (time_machine.travel) or compute the expected day from a fixed `now=`."""
    offenders = _offenders(
        lambda function, tree: _reads_real_clock_in_assert(function) and not _travels(function, tree))
    assert offenders == [], "assertions on the real clock without time_machine:\n" + "\n".join(offenders)


def test_the_checks_tell_a_bad_test_from_a_good_one():
    source = '''
def test_nothing():
    x = 1

def test_asserts():
    assert 1

def test_raises():
    with pytest.raises(ValueError):
        int("x")

def test_helper(client):
    assert_redirects(client)

def test_today():
    assert day == date.today()

@time_machine.travel("2026-03-11")
def test_today_pinned():
    assert day == date.today()
'''
    tree = ast.parse(source)
    functions = {function.name: function for function in _test_functions(tree)}
    assert {name for name, f in functions.items() if not _proves_something(f)} == {"test_nothing"}
    assert {name for name, f in functions.items()
            if _reads_real_clock_in_assert(f) and not _travels(f, tree)} == {"test_today"}
