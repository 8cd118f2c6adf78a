"""The layers of pyproject.toml's `[tool.importlinter]` hold: CLI -> api -> tasks (api reaches only the
enqueue surface) -> pipelines -> scheduler | gateway -> bayflow's base modules; `pipelines` never imports
`tasks`, and the pure cores import no other layer. import-linter sees imports inside functions too."""
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bayflow", "api", "tasks", "pipelines", "scheduler", "gateway")
# lint-imports on the packages in the working directory only: the editable install's finder would add
# the repository's (pipelines/ is a namespace package, so Python would merge the two).
LINT_HERE = """import sys
sys.meta_path[:] = [f for f in sys.meta_path if "__editable__" not in getattr(f, "__module__", "")]
sys.path[:] = ["."] + [p for p in sys.path if "__editable__" not in p]
sys.argv = ["lint-imports", "--no-cache"]
from importlinter.cli import lint_imports_command
lint_imports_command()
"""


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", LINT_HERE], cwd=root, capture_output=True, text=True, timeout=120)


def test_the_layer_contracts_hold():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_function_level_import_of_tasks_from_pipelines_breaks_them(tmp_path):
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with open(tmp_path / "pipelines" / "runs.py", "a", encoding="utf-8") as module:
        module.write("\n\ndef _scratch():\n    import tasks\n")
    done = lint_imports(tmp_path)
    assert done.returncode != 0
    assert "pipelines never import tasks BROKEN" in done.stdout, done.stdout
    assert "pipelines.runs -> tasks" in done.stdout, done.stdout


def test_every_bayflow_module_is_in_a_layer():
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    layers = next(c for c in contracts if c["type"] == "layers")["layers"]
    named = {name.strip() for layer in layers for name in layer.replace("|", ":").split(":")}
    modules = {f"bayflow.{path.stem}" for path in (ROOT / "bayflow").glob("*.py") if path.stem != "__init__"}
    modules |= {f"bayflow.{path.name}" for path in (ROOT / "bayflow").iterdir() if (path / "__init__.py").exists()}
    assert modules - named == set()
