"""Named SQL queries kept in `.sql` files, the one home of bayflow's SQL.

A file holds queries, each introduced by a `-- name: <name>` line; the query is every line up
to the next name. Lines starting with `--` inside a query are comments and are dropped.
Parameters have one style everywhere, `:name` (a `::type` cast is not a parameter):

    -- name: work_order_due
    select due_at from public.work_orders where id = :id

    queries = load(Path(__file__).with_name("sql") / "work_orders.sql")
    cur.execute(queries.work_order_due.psycopg, {"id": work_order_id})      # workers (psycopg)
    await conn.execute(queries.work_order_due.text, {"id": work_order_id})  # API (SQLAlchemy)
"""
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

_NAME = re.compile(r"^--\s*name:\s*([a-z_][a-z0-9_]*)\s*$")
# `:name` not preceded by a colon or word character: `x::uuid` and `'12:30'` are left alone.
_PARAMETER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
# SQLAlchemy reads `:name::uuid` as no parameter; `(:name)::uuid` it binds.
_CAST_PARAMETER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)(?=::)")


class QueryFileError(ValueError):
    """A `.sql` file that does not parse into named queries."""


@dataclass(frozen=True)
class Query:
    """One named statement.

    name: the name after `-- name:`.
    sql: the statement as written, with `:name` parameters.
    """

    name: str
    sql: str
    parameters: tuple[str, ...] = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "parameters", tuple(dict.fromkeys(_PARAMETER.findall(self.sql))))

    @cached_property
    def psycopg(self) -> str:
        """The statement in psycopg's `%(name)s` style (a literal `%` doubled)."""
        return _PARAMETER.sub(r"%(\1)s", self.sql.replace("%", "%%"))

    @cached_property
    def text(self):
        """The statement as a SQLAlchemy `TextClause` (`:name::type` bound before the cast)."""
        from sqlalchemy import text

        return text(_CAST_PARAMETER.sub(r"(:\1)", self.sql))


class Queries:
    """The named queries of one or more `.sql` files, as attributes."""

    def __init__(self, queries: dict[str, Query]):
        self._queries = queries

    def __getattr__(self, name: str) -> Query:
        try:
            return self._queries[name]
        except KeyError:
            raise AttributeError(f"no query named {name!r}") from None

    def __iter__(self):
        return iter(self._queries.values())


def parse(source: str, origin: str = "<string>") -> dict[str, Query]:
    """The named queries in `source` (the text of a `.sql` file); `origin` names it in errors."""
    queries: dict[str, Query] = {}
    name, lines = None, []

    def close():
        sql = "\n".join(lines).strip().rstrip(";").strip()
        if not sql:
            raise QueryFileError(f"{origin}: query {name!r} has no statement")
        if name in queries:
            raise QueryFileError(f"{origin}: query {name!r} is defined twice")
        queries[name] = Query(name, sql)

    for number, line in enumerate(source.splitlines(), 1):
        named = _NAME.match(line.strip())
        if named:
            if name is not None:
                close()
            name, lines = named.group(1), []
        elif line.strip().startswith("--") or not line.strip() and name is None:
            continue
        elif name is None:
            raise QueryFileError(f"{origin}:{number}: SQL before the first '-- name:' line")
        else:
            lines.append(line.rstrip())
    if name is not None:
        close()
    return queries


def load(*paths: Path) -> Queries:
    """The named queries of the `.sql` files at `paths` (names unique across them)."""
    queries: dict[str, Query] = {}
    for path in paths:
        for name, query in parse(path.read_text(), str(path)).items():
            if name in queries:
                raise QueryFileError(f"{path}: query {name!r} is also defined in another file")
            queries[name] = query
    return Queries(queries)
