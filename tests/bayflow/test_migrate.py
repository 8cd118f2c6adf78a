"""Migrations: ordered, recorded like the Supabase CLI, re-runnable, and guarded against edits."""
import shutil

import psycopg
import pytest

from bayflow.migrate import MigrationError, migrate
from bayflow.paths import MIGRATIONS


def test_rerun_is_a_noop_and_records_statements(db_url):
    with psycopg.connect(db_url) as conn:
        assert migrate(conn) == []
        rows = conn.execute(
            "select version, name, statements from supabase_migrations.schema_migrations order by version"
        ).fetchall()
    files = sorted(MIGRATIONS.glob("*.sql"))
    assert [f"{v}_{n}.sql" for v, n, _ in rows] == [f.name for f in files]
    assert all(statements for _, _, statements in rows)


def test_changed_applied_file_is_named(db_url, tmp_path):
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, folder)
    first = sorted(folder.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\ncreate table sneaky (id int);\n")
    with psycopg.connect(db_url) as conn, pytest.raises(MigrationError, match=first.name):
        migrate(conn, folder)


def test_failed_migration_writes_nothing(db_url, tmp_path):
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, folder)
    (folder / "99990101000000_broken.sql").write_text(
        "create table half_written (id int);\ninsert into no_such_table values (1);\n"
    )
    with psycopg.connect(db_url) as conn:
        with pytest.raises(MigrationError, match="99990101000000_broken.sql"):
            migrate(conn, folder)
        conn.rollback()
        assert conn.execute("select to_regclass('public.half_written')").fetchone()[0] is None
        assert conn.execute(
            "select count(*) from supabase_migrations.schema_migrations where version = '99990101000000'"
        ).fetchone()[0] == 0


def test_shim_auth_functions_read_claims(db_url):
    with psycopg.connect(db_url) as conn:
        conn.execute(
            "select set_config('request.jwt.claims', %s, true)",
            ('{"sub": "6f1c2a9e-0000-4000-8000-000000000001", "role": "authenticated", "email": "a@b.c"}',),
        )
        uid, role, email = conn.execute("select auth.uid(), auth.role(), auth.email()").fetchone()
        assert str(uid) == "6f1c2a9e-0000-4000-8000-000000000001"
        assert (role, email) == ("authenticated", "a@b.c")
