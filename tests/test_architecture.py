"""The layers of pyproject.toml's `[tool.importlinter]` hold: CLI -> api -> tasks (api reaches only the
enqueue surface) -> pipelines -> scheduler | gateway -> bayflow's base modules; `pipelines` never imports
`tasks`, and the pure cores import no other layer. import-linter sees imports inside functions too."""
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))
PACKAGES = ("bayflow", "api", "tasks", "pipelines", "scheduler", "gateway")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    # The packages are found from `root` first (the editable install would point at the repo).
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([LINT_IMPORTS, "--no-cache"], cwd=root, env=env, capture_output=True, text=True,
                          timeout=120)


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
