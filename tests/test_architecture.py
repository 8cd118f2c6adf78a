"""The design's direction: API -> tasks (enqueue) -> pipelines -> scheduler/gateway. `pipelines/`
never imports `tasks/` (at module level or inside a function), so the import circle between
them cannot come back."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import statement in the file, nested ones included."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def test_pipelines_never_import_tasks():
    offending = [f"{path.relative_to(ROOT)}:{line} imports {module}"
                 for path in sorted((ROOT / "pipelines").rglob("*.py"))
                 for line, module in imported_modules(path)
                 if module == "tasks" or module.startswith("tasks.")]
    assert offending == []


def test_the_check_sees_function_level_imports(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from tasks.enqueue import enqueue\n    import tasks.actors\n")
    assert imported_modules(module) == [(2, "tasks.enqueue"), (3, "tasks.actors")]
