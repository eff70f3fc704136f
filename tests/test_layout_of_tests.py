"""The tests' own layout (tests/conftest.py's docstring is the map): helpers live in plain support
modules and are imported from there; fixtures live in conftest.py files and reach tests by name,
never by import; each helper is written once."""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
# Entry points of scripts a test runs in another process (`python manage.py shell -c ...`).
ENTRY_POINTS = {"main"}


def _python_files() -> list[Path]:
    return sorted(TESTS.rglob("*.py"))


def _is_support(path: Path) -> bool:
    return path.name != "conftest.py" and not path.name.startswith("test_")


def _module_of(path: Path) -> list[str]:
    return ["tests", *path.relative_to(TESTS).with_suffix("").parts]


def _forbidden(parts: list[str]) -> bool:
    return any(part == "conftest" or part.startswith("test_") for part in parts)


def imports_of_test_modules_and_conftests(path: Path, source: str | None = None) -> list[str]:
    """Each import in `path` (or in `source`, read as if it were that file) of a conftest module or
    a test_* module, as "file:line: statement"."""
    found = []
    for node in ast.walk(ast.parse(path.read_text() if source is None else source, str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name.split(".") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _module_of(path)[: -node.level] if node.level else []
            module = base + (node.module.split(".") if node.module else [])
            # `from tests.e2e import test_accessibility` imports a test module as a name
            targets = [module] + [module + [alias.name] for alias in node.names]
        else:
            continue
        if any(_forbidden(target) for target in targets):
            found.append(f"{path.relative_to(TESTS.parent)}:{node.lineno}: {ast.unparse(node)}")
    return found


def top_level_helpers(path: Path) -> set[str]:
    """The public functions and classes `path` defines at its top level, fixtures and tests left out."""
    names = set()
    for node in ast.parse(path.read_text(), str(path)).body:
        if not isinstance(node, ast.FunctionDef | ast.ClassDef) or node.name.startswith(("_", "test_", "Test")):
            continue
        decorators = [ast.unparse(decorator) for decorator in node.decorator_list]
        if any("fixture" in decorator for decorator in decorators) or node.name in ENTRY_POINTS:
            continue
        names.add(node.name)
    return names


def test_no_file_under_tests_imports_a_conftest_or_a_test_module():
    """A helper goes to a support module (tests/support.py, servers.py, scenarios.py, factories.py,
    e2e/axe.py, ...) and both sides import it from there; a fixture reaches a test by its name."""
    found = [line for path in _python_files() for line in imports_of_test_modules_and_conftests(path)]
    assert found == [], "move these helpers to a support module:\n" + "\n".join(found)


def test_each_helper_is_defined_in_one_file():
    """No two support modules define a helper of the same name, and no conftest.py or test module
    defines its own copy of a support module's helper (import that one instead)."""
    owners: dict[str, list[str]] = {}
    for path in _python_files():
        for name in top_level_helpers(path):
            owners.setdefault(name, []).append(str(path.relative_to(TESTS.parent)))
    support = {str(path.relative_to(TESTS.parent)) for path in _python_files() if _is_support(path)}
    twice = {
        name: files
        for name, files in sorted(owners.items())
        if len(files) > 1 and any(file in support for file in files)
    }
    assert twice == {}, f"one definition each, in a support module: {twice}"


def test_the_guard_sees_the_imports_it_forbids():
    """The import check catches each way of importing a conftest or a test module, relative ones
    included, and lets imports of support modules through."""
    forbidden = [
        "from tests.conftest import SignedInClient",
        "from .conftest import make_question",
        "from tests.e2e.test_accessibility import assert_no_violations",
        "from tests.e2e import test_accessibility",
        "import tests.surveys.conftest",
    ]
    allowed = ["from tests.support import wait_until", "from ..factories import QuestionFactory"]
    source = "\n".join(forbidden + allowed)
    found = imports_of_test_modules_and_conftests(TESTS / "surveys" / "test_probe.py", source)
    assert [line.split(": ", 1)[1] for line in found] == forbidden
