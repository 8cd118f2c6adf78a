"""One statement on a database URL, on a connection of its own (autocommit): what a test checks or sets up."""
import psycopg


def query(url: str, sql: str, params=()) -> list[tuple]:
    """The rows of `sql` ([] for a statement that returns none)."""
    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def scalar(url: str, sql: str, params=()):
    """The first column of the first row of `sql`."""
    return query(url, sql, params)[0][0]
