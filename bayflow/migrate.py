"""Apply `migrations/*.sql` in order, recorded the way the Supabase CLI records them.

Each file is `<version>_<name>.sql`; it runs in one transaction and is recorded in
`supabase_migrations.schema_migrations (version, name, statements)`, so `supabase
db push` and bayflow agree on what is applied.
"""
import re
from dataclasses import dataclass
from pathlib import Path

from bayflow.paths import MIGRATIONS, SQL
from bayflow.queries import load
from bayflow.sqlsplit import normalized, split_statements

_FILE = re.compile(r"^(\d+)_(.+)\.sql$")
BOOKKEEPING = load(SQL / "migrate.sql")
_LOCK_KEY = 0x6261_7966  # "bayf": serialises concurrent migrators on one database


class MigrationError(Exception):
    pass


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    path: Path

    @property
    def statements(self) -> list[str]:
        return split_statements(self.path.read_text(encoding="utf-8"))


def discover(folder: Path = MIGRATIONS) -> list[Migration]:
    migrations = []
    for path in sorted(folder.glob("*.sql")):
        match = _FILE.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named <version>_<name>.sql")
        migrations.append(Migration(match.group(1), match.group(2), path))
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"duplicate migration versions in {folder}")
    return sorted(migrations, key=lambda m: int(m.version))


def migrate(conn, folder: Path = MIGRATIONS) -> list[Migration]:
    """Apply the pending migrations on a psycopg connection; return those applied.

    Raises MigrationError naming a file whose applied statements have changed.
    """
    migrations = discover(folder)
    with conn.transaction():
        conn.execute(BOOKKEEPING.lock.psycopg, {"key": _LOCK_KEY})
        conn.execute(BOOKKEEPING.create_schema.psycopg)
        conn.execute(BOOKKEEPING.create_table.psycopg)
        applied = dict(conn.execute(BOOKKEEPING.applied.psycopg).fetchall())
    for m in migrations:
        if m.version in applied and _changed(applied[m.version], m.statements):
            raise MigrationError(f"{m.path.name} was changed after it was applied; add a new migration instead")
    done = []
    for m in migrations:
        statements = m.statements
        with conn.transaction():
            conn.execute(BOOKKEEPING.lock.psycopg, {"key": _LOCK_KEY})
            already = conn.execute(BOOKKEEPING.is_applied.psycopg, {"version": m.version}).fetchone()
            if already:
                continue
            for statement in statements:
                try:
                    conn.execute(statement)
                except Exception as exc:
                    raise MigrationError(f"{m.path.name}: {exc}".strip()) from exc
            conn.execute(BOOKKEEPING.record.psycopg,
                         {"version": m.version, "name": m.name, "statements": statements})
        done.append(m)
    return done


def _changed(recorded: list[str] | None, current: list[str]) -> bool:
    return [normalized(s) for s in recorded or []] != [normalized(s) for s in current]
