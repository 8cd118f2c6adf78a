"""Where bayflow's own files live (the repository root holds migrations, prompts and seeds)."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "migrations"
PROMPTS = ROOT / "prompts"
SEEDS = ROOT / "seeds"
SQL = Path(__file__).resolve().parent / "sql"  # the named queries bayflow's own modules run
