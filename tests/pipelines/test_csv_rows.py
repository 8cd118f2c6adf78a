"""Reading real-world CSV files: dialects, header mapping, dates, per-row errors (no database)."""
from datetime import datetime, timezone

import pytest

from pipelines.csv_file import CsvFileError, inspect_csv, parse_csv
from pipelines.work_order_records import DateRules, record_from_json

BERLIN = DateRules("DD.MM.YYYY", "Europe/Berlin")


def parse(text: str, rules: DateRules = DateRules(), *, bom: bool = False, max_rows: int = 1000):
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
    return parse_csv(data, rules, default_source="csv", max_rows=max_rows)


def messages(parsed):
    return [(e.line, e.column, e.message) for e in parsed.errors]


def test_excel_semicolon_file_with_bom_quoted_newlines_and_local_dates():
    text = ("External ID;DESCRIPTION;Due at;Priority\r\n"
            'WO-1;"Brakes squeal;\r\nfront left";26.11.2026 14:30;5\r\n'
            "WO-2;Oil change;01.12.2026;\r\n")
    parsed = parse(text, BERLIN, bom=True)
    assert parsed.summary.delimiter == ";"
    assert parsed.errors == []
    first, second = (r.as_json() for r in parsed.records)
    assert first["external_id"] == "WO-1"  # the BOM is not part of the first column name
    assert first["description"] == "Brakes squeal;\r\nfront left"
    assert datetime.fromisoformat(first["due_at"]).astimezone(timezone.utc) == \
        datetime(2026, 11, 26, 13, 30, tzinfo=timezone.utc)
    assert first["priority"] == 5
    assert datetime.fromisoformat(second["due_at"]) == datetime(2026, 11, 30, 23, 0, tzinfo=timezone.utc)
    assert second["priority"] is None  # given but empty: the default priority on write


def test_comma_file_iso_dates_with_and_without_offset():
    text = "external_id,description,due_at\nA,x,2026-11-26T08:00:00Z\nB,y,2026-11-26 09:15\n"
    parsed = parse(text, DateRules("MM/DD/YYYY", "America/New_York"))
    a, b = (r.as_json()["due_at"] for r in parsed.records)
    assert datetime.fromisoformat(a) == datetime(2026, 11, 26, 8, 0, tzinfo=timezone.utc)
    assert datetime.fromisoformat(b) == datetime(2026, 11, 26, 14, 15, tzinfo=timezone.utc)


def test_us_local_format_is_month_first():
    parsed = parse("external_id,description,due_at\nA,x,12/01/2026\n", DateRules("MM/DD/YYYY", "UTC"))
    assert parsed.records[0].as_json()["due_at"].startswith("2026-12-01")


def test_unknown_columns_are_reported_and_ignored():
    parsed = parse("external_id,description,Colour,\nA,x,red,\n")
    assert parsed.errors == []
    assert [(w.line, w.column) for w in parsed.warnings] == [(1, "Colour"), (1, "(unnamed column 4)")]
    assert "colour" not in parsed.records[0].as_json()


def test_bad_rows_name_line_and_column_and_good_rows_survive():
    text = ("external_id,description,priority,due_at,customer_email,asset_year\n"
            "A,ok,3,,a@example.com,2019\n"
            "B,,9,31.02.2026,not-an-email,1800\n"
            ",no key,,,,\n"
            "C,too,many,fields,here,2020,extra\n")
    parsed = parse(text, BERLIN)
    assert [r.values["external_id"] for r in parsed.records] == ["A"]
    errors = messages(parsed)
    assert (3, "description", "required") in errors
    assert any(e[:2] == (3, "priority") and "between 1 and 5" in e[2] for e in errors)
    assert any(e[:2] == (3, "due_at") and "not a valid date" in e[2] for e in errors)
    assert any(e[:2] == (3, "customer_email") for e in errors)
    assert any(e[:2] == (3, "asset_year") for e in errors)
    assert any(e[:2] == (4, "external_id") for e in errors)
    assert any(e[0] == 5 and "7 fields but the header has 6" in e[2] for e in errors)
    assert parsed.invalid_lines == 3 and parsed.invalid_work_orders == 3



def test_cells_the_database_cannot_store_are_row_errors_naming_the_column():
    """A NUL in a cell or a mileage beyond Postgres' integer is refused while parsing, not at write time."""
    text = ("external_id,description,mileage,task_name,task_duration_minutes,task_notes\n"
            "A,grinding\x00noise,12,Inspect,30,\n"
            "B,ok,2147483648,Inspect,30,\n"
            "C,ok,2147483647,Inspect,30,torque\x00spec\n"
            "D,ok,0,Inspect,30,\n")
    parsed = parse(text)
    assert [r.values["external_id"] for r in parsed.records] == ["D"]
    errors = messages(parsed)
    assert (2, "description", "must not contain a NUL character (U+0000)") in errors
    assert (3, "mileage", "must be between 0 and 2147483647, got 2147483648") in errors
    assert (4, "task_notes", "must not contain a NUL character (U+0000)") in errors

def test_rows_of_one_work_order_carry_its_tasks_and_dependencies():
    text = ("external_id,description,task_name,task_duration_minutes,task_depends_on,task_parts_ready_at\n"
            "A,Brake job,Inspect,30,,\n"
            "A,,Replace pads,60,Inspect,2026-11-27\n"
            "B,Oil,,,,\n")
    parsed = parse(text)
    assert parsed.errors == []
    a, b = (r.as_json() for r in parsed.records)
    assert [t["name"] for t in a["tasks"]] == ["Inspect", "Replace pads"]
    assert a["tasks"][1]["depends_on"] == ["Inspect"]
    assert a["tasks"][1]["needs_parts"] is True  # a parts ETA means the task waits on parts
    assert a["tasks"][0]["depends_on"] is None   # given empty: no dependencies
    assert "tasks" not in b                       # no task columns filled: its tasks are left alone


def test_task_rules_make_the_whole_work_order_invalid():
    text = ("external_id,description,task_name,task_duration_minutes,task_depends_on\n"
            "A,job,one,30,two\n"
            "A,job,two,30,one\n"
            "B,job,x,,\n"
            "C,job,same,10,\n"
            "C,other text,other,10,\n"
            "D,job,alone,10,ghost\n"
            "E,job,same,10,\n"
            "E,,same,20,\n")
    parsed = parse(text)
    assert parsed.records == []
    errors = messages(parsed)
    assert any(e[1] == "task_depends_on" and "cycle" in e[2] for e in errors)
    assert (4, "task_duration_minutes", "required for a task") in errors
    assert any(e[:2] == (6, "description") and "differs from line 5" in e[2] for e in errors)
    assert any(e[:2] == (9, "task_name") and "listed twice" in e[2] for e in errors)
    assert any(e[:2] == (7, "task_depends_on") and "'ghost'" in e[2] for e in errors)


@pytest.mark.parametrize("data, message", [
    ("external_id,description\n".encode("utf-8"), "no rows"),
    (b"", "empty"),
    ("ext,descr\nA,x\n".encode("utf-8"), "no description column"),
    ("description\nx\n".encode("utf-8"), "external_id column"),
    ("external_id,Description,description\nA,x,y\n".encode("utf-8"), "appears twice"),
    ("external_id,description\nA,Bremsenprüfung\n".encode("latin-1"), "not UTF-8"),
    ('external_id,description\nA,"unterminated\n'.encode("utf-8"), "malformed CSV"),
])
def test_unreadable_files_are_refused_as_a_whole(data, message):
    with pytest.raises(CsvFileError, match=message):
        inspect_csv(data, max_rows=10)


def test_row_limit():
    data = ("external_id,description\n" + "".join(f"{i},x\n" for i in range(11))).encode()
    with pytest.raises(CsvFileError, match="more than 10 rows"):
        inspect_csv(data, max_rows=10)
    assert inspect_csv(data, max_rows=11).rows == 11


def test_webhook_work_orders_follow_the_same_rules():
    record, errors = record_from_json(
        {"external_id": "X1", "description": "Clutch", "priority": 4,
         "tasks": [{"name": "Remove gearbox", "duration_minutes": 120},
                   {"name": "Replace clutch", "duration_minutes": 90, "depends_on": ["Remove gearbox"]}]},
        DateRules(), source="dms")
    assert errors == []
    doc = record.as_json()
    assert doc["source"] == "dms" and doc["tasks"][1]["depends_on"] == ["Remove gearbox"]
    record, errors = record_from_json(
        {"external_id": "X1", "priority": 7, "colour": "red", "tasks": [{"name": "a"}]}, DateRules(), source="dms")
    assert record is None
    assert {(e.column, e.message.split(",")[0]) for e in errors} >= {
        ("colour", "unknown field"), ("description", "required"), ("tasks[0].duration_minutes", "required for a task")}
    assert any(e.column == "priority" for e in errors)
