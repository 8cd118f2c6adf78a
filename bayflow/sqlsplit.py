"""Split a SQL script into statements, respecting quotes, dollar quotes and comments."""
import re

_DOLLAR_TAG = re.compile(r"\$[A-Za-z_][A-Za-z0-9_]*\$|\$\$")


def split_statements(script: str) -> list[str]:
    """Return the script's statements, trimmed, without their final semicolons."""
    statements, start, i, n = [], 0, 0, len(script)
    while i < n:
        c = script[i]
        if c == "-" and script.startswith("--", i):
            i = _end_of(script, "\n", i + 2)
        elif c == "/" and script.startswith("/*", i):
            i = _end_of(script, "*/", i + 2)
        elif c in "'\"":
            i = _end_of(script, c, i + 1)
        elif c == "$" and (tag := _DOLLAR_TAG.match(script, i)):
            i = _end_of(script, tag.group(), tag.end())
        elif c == ";":
            statements.append(script[start:i])
            start = i = i + 1
        else:
            i += 1
    statements.append(script[start:])
    return [s.strip() for s in statements if _strip_comments(s).strip()]


def normalized(statement: str) -> str:
    """The statement without comments and with white space folded, for comparing versions."""
    return " ".join(_strip_comments(statement).split())


def _end_of(script: str, closer: str, i: int) -> int:
    found = script.find(closer, i)
    return len(script) if found < 0 else found + len(closer)


def _strip_comments(sql: str) -> str:
    out, i, n = [], 0, len(sql)
    while i < n:
        if sql.startswith("--", i):
            i = _end_of(sql, "\n", i + 2)
            out.append(" ")
        elif sql.startswith("/*", i):
            i = _end_of(sql, "*/", i + 2)
            out.append(" ")
        elif sql[i] in "'\"" or (sql[i] == "$" and _DOLLAR_TAG.match(sql, i)):
            tag = _DOLLAR_TAG.match(sql, i)
            closer = tag.group() if sql[i] == "$" else sql[i]
            end = _end_of(sql, closer, (tag.end() if sql[i] == "$" else i + 1))
            out.append(sql[i:end])
            i = end
        else:
            out.append(sql[i])
            i += 1
    return "".join(out)
