"""`/v1/imports` and `/v1/exports` over HTTP: upload checks and limits, status, streamed exports
under RLS, and an exported file re-importing cleanly."""
import csv
import io

import psycopg

from tests.support.imports import run_import, work_orders_csv
from tests.support.shop import ADMIN, DISPATCHER, TECH_ANA
from tests.support.sql import query, scalar

ROWS = [
    {"external_id": "E-1", "description": "Brakes grind,\n\"loud\"", "priority": "5",
     "due_at": "2026-12-01T10:00:00+00:00",
     "customer_email": "ops@example.com", "task_name": "Inspect", "task_duration_minutes": "30",
     "task_required_skill": "brakes", "task_needs_parts": "", "task_parts_ready_at": "", "task_depends_on": ""},
    {"external_id": "E-1", "description": "", "priority": "", "due_at": "", "customer_email": "",
     "task_name": "Replace rotors", "task_duration_minutes": "90", "task_required_skill": "brakes",
     "task_needs_parts": "yes", "task_parts_ready_at": "2026-11-30 08:00", "task_depends_on": "Inspect"},
    {"external_id": "E-2", "description": "Annual service", "priority": "", "due_at": "", "customer_email": "",
     "task_name": "", "task_duration_minutes": "", "task_required_skill": "", "task_needs_parts": "",
     "task_parts_ready_at": "", "task_depends_on": ""},
]


def upload(client, headers, content: bytes, **params):
    return client.post("/v1/imports", content=content, params=params,
                       headers={**headers, "Content-Type": "text/csv"})


def test_upload_is_stored_and_enqueued_then_reported(shop_db, make_client, as_user):
    client = make_client(shop_db)
    response = upload(client, as_user(DISPATCHER), work_orders_csv(ROWS + [{"external_id": "E-3", "description": "x",
                                                                         "priority": "0"}]), mode="good_rows")
    assert response.status_code == 202, response.text
    body = response.json()
    assert response.headers["location"] == f"/v1/imports/{body['id']}"
    assert (body["status"], body["rows"]) == ("queued", 4)
    assert scalar(shop_db, "select count(*) from public.job_queue where actor = 'run_import'") == 1

    assert client.get(f"/v1/imports/{body['id']}", headers=as_user(DISPATCHER)).json()["status"] == "queued"
    run_import(body["id"])  # what the worker does
    status = client.get(f"/v1/imports/{body['id']}", headers=as_user(DISPATCHER)).json()
    assert status["status"] == "done"
    assert status["work_orders"] == {"total": 3, "written": 2, "created": 2, "updated": 0, "unchanged": 0, "failed": 0}
    assert status["rows"] == {"total": 4, "invalid": 1}
    assert status["errors"] == [{"line": 6, "column": "priority", "message": "must be between 1 and 5, got 0"}]
    assert query(shop_db, "select created_by from public.work_orders where external_id = 'E-2'") == [(DISPATCHER,)]


def test_multipart_upload(shop_db, make_client, as_user):
    client = make_client(shop_db)
    response = client.post("/v1/imports", headers=as_user(ADMIN),
                           files={"file": ("fleet.csv", work_orders_csv(ROWS), "text/csv")})
    assert response.status_code == 202, response.text
    assert query(shop_db, "select filename, mode from public.imports") == [("fleet.csv", "all_or_nothing")]


def test_limits_and_unreadable_files_are_refused_at_once(shop_db, make_client, as_user):
    client = make_client(shop_db, bayflow_import_max_bytes=2000)
    too_big = upload(client, as_user(ADMIN), b"external_id,description\n" + b"A,x\n" * 600)
    assert too_big.status_code == 413
    assert too_big.headers["content-type"] == "application/problem+json"
    assert "limit is 2000" in too_big.json()["detail"]

    latin1 = upload(client, as_user(ADMIN), "external_id,description\nA,Bremsenprüfung\n".encode("latin-1"))
    assert latin1.status_code == 422
    assert latin1.json()["errors"][0]["field"] == "file" and "not UTF-8" in latin1.json()["detail"]

    no_key = upload(client, as_user(ADMIN), b"description\nx\n")
    assert no_key.status_code == 422 and "external_id" in no_key.json()["detail"]

    unknown_mode = upload(client, as_user(ADMIN), work_orders_csv(ROWS), mode="some_rows")
    assert unknown_mode.status_code == 422 and unknown_mode.json()["errors"][0]["field"] == "mode"

    json_body = client.post("/v1/imports", json={"rows": []}, headers=as_user(ADMIN))
    assert json_body.status_code == 415
    assert scalar(shop_db, "select count(*) from public.imports") == 0


def test_row_limit_is_413(shop_db, make_client, as_user, env):
    env(bayflow_import_max_rows=5)
    client = make_client(shop_db)
    response = upload(client, as_user(ADMIN), b"external_id,description\n" + b"".join(b"%d,x\n" % i for i in range(6)))
    assert response.status_code == 413
    assert "more than 5 rows" in response.json()["detail"]


def test_technicians_may_not_import_or_export(shop_db, make_client, as_user):
    client = make_client(shop_db)
    assert upload(client, as_user(TECH_ANA), work_orders_csv(ROWS)).status_code == 403
    assert client.get("/v1/exports/work-orders.csv", headers=as_user(TECH_ANA)).status_code == 403
    assert client.get("/v1/imports/00000000-0000-4000-8000-000000000000", headers=as_user(ADMIN)).status_code == 404


def _export(client, headers, **params) -> bytes:
    response = client.get("/v1/exports/work-orders.csv", params=params, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return response.content


def test_export_reimports_cleanly_into_the_same_and_a_new_shop(shop_db, new_database, make_client, as_user):
    client = make_client(shop_db)
    run_import(upload(client, as_user(ADMIN), work_orders_csv(ROWS)).json()["id"])
    # a work order made in bayflow (no external id) exports keyed by its id
    with psycopg.connect(shop_db) as conn:
        conn.execute("insert into public.work_orders (description, priority) values ('Walk-in: check lights', 2)")
    exported = _export(client, as_user(DISPATCHER))
    rows = list(csv.DictReader(io.StringIO(exported.decode())))
    assert len(rows) == 4  # one per task, one for each work order without tasks
    assert rows[0]["description"] == "Brakes grind,\n\"loud\""
    assert rows[1]["task_depends_on"] == "Inspect" and rows[1]["task_needs_parts"] == "true"

    again = upload(client, as_user(ADMIN), exported)
    assert again.status_code == 202 and again.json()["unknown_columns"] == []
    run_import(again.json()["id"])
    status = client.get(f"/v1/imports/{again.json()['id']}", headers=as_user(ADMIN)).json()
    assert (status["status"], status["error_count"], status["warnings"]) == ("done", 0, [])
    assert status["work_orders"]["unchanged"] == 3 and status["work_orders"]["created"] == 0
    assert scalar(shop_db, "select count(*) from public.work_orders") == 3

    other = new_database()
    with psycopg.connect(other) as conn:
        conn.execute("insert into auth.users (id) values (%s)", (ADMIN,))
        conn.execute("insert into public.profiles (id, role, display_name) values (%s, 'admin', 'A')", (ADMIN,))
    other_client = make_client(other)
    imported = upload(other_client, as_user(ADMIN), exported).json()["id"]
    run_import(imported, url=other)
    assert _export(other_client, as_user(ADMIN)) == exported  # the same work orders, tasks, ids and dependencies


def test_export_filters_like_the_list_endpoint(shop_db, make_client, as_user):
    client = make_client(shop_db)
    run_import(upload(client, as_user(ADMIN), work_orders_csv(ROWS)).json()["id"])
    with psycopg.connect(shop_db) as conn:
        conn.execute("update public.work_orders set status = 'planned' where external_id = 'E-2'")
    planned = list(csv.DictReader(io.StringIO(_export(client, as_user(ADMIN), status="planned").decode())))
    assert [r["external_id"] for r in planned] == ["E-2"]
    due = list(csv.DictReader(io.StringIO(_export(client, as_user(ADMIN), due_from="2026-12-01T00:00:00Z").decode())))
    assert {r["external_id"] for r in due} == {"E-1"}


def test_schedule_export_lists_planned_tasks_in_the_window(shop_db, make_client, as_user):
    client = make_client(shop_db)
    run_import(upload(client, as_user(ADMIN), work_orders_csv(ROWS)).json()["id"])
    with psycopg.connect(shop_db) as conn:
        conn.execute("""update public.tasks set planned_start = '2026-12-01 09:00Z', planned_end = '2026-12-01 09:30Z',
                          assigned_technician_id = (select id from public.technicians where name = 'Ben')
                        where name = 'Inspect'""")
        conn.execute("""update public.tasks set planned_start = '2026-12-03 09:00Z', planned_end = '2026-12-03 10:30Z'
                        where name = 'Replace rotors'""")
    response = client.get("/v1/exports/schedule.csv",
                          params={"from": "2026-12-01T00:00:00Z", "to": "2026-12-02T00:00:00Z"},
                          headers=as_user(DISPATCHER))
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["task_name"], r["technician"], r["external_id"]) for r in rows] == [("Inspect", "Ben", "E-1")]
    bad = client.get("/v1/exports/schedule.csv", params={"from": "2026-12-02T00:00:00Z", "to": "2026-12-01T00:00:00Z"},
                     headers=as_user(DISPATCHER))
    assert bad.status_code == 422


FORMULAS = ['=HYPERLINK("http://x")', "=cmd|' /C calc'!A0", "+SUM(1+1)", "@SUM(1)", "-2+3", "''=quoted text"]


def test_exports_escape_formulas_and_a_reimport_restores_the_text(shop_db, make_client, as_user):
    """OWASP CSV injection: a cell starting with =, +, -, @, tab or CR gets a leading ' in both
    exports; numbers stay numbers; the import gives back exactly the original text."""
    client = make_client(shop_db)
    rows = [{"external_id": f"F-{i}", "description": text, "customer_phone": "+1 312 555 0100", "priority": "2",
             "mileage": "120", "task_name": f"{text} task", "task_duration_minutes": "30"}
            for i, text in enumerate(FORMULAS)]
    rows.append({"external_id": "=SUM(A1)", "description": "tabbed", "customer_phone": "", "priority": "",
                 "mileage": "",
                 "task_name": "@step", "task_duration_minutes": "15"})
    run_import(upload(client, as_user(ADMIN), work_orders_csv(rows)).json()["id"])
    with psycopg.connect(shop_db) as conn:  # a file's cells are trimmed: tab and CR starts come from the API
        conn.execute("update public.work_orders set description = E'\\ttabbed', customer_phone = E'\\r1'"
                     " where external_id = '=SUM(A1)'")
        conn.execute("update public.tasks set planned_start = '2026-12-01 09:00Z', planned_end = '2026-12-01 09:30Z'")
    stored = query(shop_db, "select external_id, description, customer_phone from public.work_orders order by number")

    exported = _export(client, as_user(DISPATCHER))
    cells = [cell for row in csv.reader(io.StringIO(exported.decode())) for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r") or (c[:1] == "-" and not c[1:].isdigit())]
    exported_rows = list(csv.DictReader(io.StringIO(exported.decode())))
    assert exported_rows[0]["description"] == "'" + FORMULAS[0]
    assert exported_rows[0]["customer_phone"] == "'+1 312 555 0100"
    # A file's '= is read as an escaped formula: text that itself starts with '= is written ''=.
    assert (stored[5][1], exported_rows[5]["description"]) == ("'=quoted text", "''=quoted text")
    assert (exported_rows[0]["priority"], exported_rows[0]["mileage"]) == ("2", "120")  # numbers are not escaped
    schedule = client.get("/v1/exports/schedule.csv", headers=as_user(DISPATCHER),
                          params={"from": "2026-12-01T00:00:00Z", "to": "2026-12-02T00:00:00Z"}).text
    schedule_rows = list(csv.DictReader(io.StringIO(schedule)))
    assert {r["task_name"] for r in schedule_rows} >= {"'=HYPERLINK(\"http://x\") task", "'@step"}
    assert "'=SUM(A1)" in {r["external_id"] for r in schedule_rows}

    again = upload(client, as_user(ADMIN), exported).json()["id"]
    run_import(again)
    status = client.get(f"/v1/imports/{again}", headers=as_user(ADMIN)).json()
    assert (status["status"], status["error_count"], status["work_orders"]["unchanged"]) == ("done", 0, len(rows))
    assert query(shop_db, "select external_id, description, customer_phone from public.work_orders order by number") \
        == stored
    assert stored[0][1:] == (FORMULAS[0], "+1 312 555 0100") and stored[-1] == ("=SUM(A1)", "\ttabbed", "\r1")
