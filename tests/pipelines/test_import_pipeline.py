"""The import pipeline step against a real database: modes, idempotent re-import, savepoints,
audit, and the work orders handed to the work-order pipeline."""
import psycopg
import pytest

from pipelines.csv_file import inspect_csv
from tasks.integration_starts import start_import
from tests.support.imports import run_import, work_orders_csv
from tests.support.shop import ADMIN
from tests.support.sql import query, scalar

ROWS = [
    {"external_id": "DMS-1", "description": "Brake job", "priority": "4", "due_at": "2026-12-01 17:00",
     "task_name": "Inspect brakes", "task_duration_minutes": "30", "task_required_skill": "brakes",
     "task_depends_on": ""},
    {"external_id": "DMS-1", "description": "", "priority": "", "due_at": "",
     "task_name": "Replace pads", "task_duration_minutes": "60", "task_required_skill": "brakes",
     "task_depends_on": "Inspect brakes"},
    {"external_id": "DMS-2", "description": "Oil change", "priority": "", "due_at": "01/12/2026",
     "task_name": "", "task_duration_minutes": "", "task_required_skill": "", "task_depends_on": ""},
]
BAD_ROW = {"external_id": "DMS-3", "description": "Tyres", "priority": "9", "due_at": "",
           "task_name": "", "task_duration_minutes": "", "task_required_skill": "", "task_depends_on": ""}


def start(db_url: str, content: bytes, mode: str = "all_or_nothing", created_by=ADMIN) -> str:
    with psycopg.connect(db_url) as conn:
        return start_import(conn, "orders.csv", content, inspect_csv(content, max_rows=1000), mode=mode,
                            created_by=created_by)


def imported(db_url: str, import_id: str) -> dict:
    columns = ("status", "rows_total", "rows_invalid", "work_orders_created", "work_orders_updated",
               "work_orders_unchanged", "work_orders_failed", "work_orders_written", "error_count", "errors")
    row = query(db_url, f"select {', '.join(columns)} from public.imports where id = %s", (import_id,))[0]
    return dict(zip(columns, row))


def test_valid_file_creates_work_orders_tasks_and_pipeline_runs(shop_db):
    import_id = start(shop_db, work_orders_csv(ROWS))
    assert scalar(shop_db, "select count(*) from public.job_queue where actor = 'run_import'") == 1
    assert run_import(import_id) == "done"
    result = imported(shop_db, import_id)
    assert (result["status"], result["work_orders_created"], result["error_count"]) == ("done", 2, 0)
    tasks = query(shop_db, """select w.external_id, w.source, w.priority, t.name, t.position, w.created_by
                                from public.work_orders w left join public.tasks t on t.work_order_id = w.id
                               order by w.external_id, t.position""")
    assert tasks == [("DMS-1", "csv", 4, "Inspect brakes", 0, ADMIN), ("DMS-1", "csv", 4, "Replace pads", 1, ADMIN),
                     ("DMS-2", "csv", 3, None, None, ADMIN)]
    assert scalar(shop_db, "select count(*) from public.task_dependencies") == 1
    # both enter enrich -> plan -> schedule -> notify, queued in the transaction that finished the import
    assert scalar(shop_db, "select count(*) from public.pipeline_runs where triggered_by = %s",
                  (f"import:{import_id}",)) == 2
    assert scalar(shop_db, "select count(*) from public.job_queue where actor = 'enrich_work_order'") == 2
    # audited as the import worker
    assert {a for (a,) in query(shop_db, "select distinct actor from public.audit_log"
                                         " where table_name = 'work_orders'")} \
        == {"worker:run_import"}


def test_reimport_updates_instead_of_duplicating(shop_db):
    first = start(shop_db, work_orders_csv(ROWS))
    run_import(first)
    again = start(shop_db, work_orders_csv(ROWS))
    run_import(again)
    assert imported(shop_db, again)["work_orders_unchanged"] == 2
    assert scalar(shop_db, "select count(*) from public.work_orders") == 2
    assert scalar(shop_db, "select count(*) from public.tasks") == 2
    # unchanged work orders do not enter the pipeline again
    assert scalar(shop_db, "select count(*) from public.pipeline_runs where triggered_by = %s",
                  (f"import:{again}",)) == 0

    changed = [dict(ROWS[0], description="Brake job, rear too"), dict(ROWS[1], task_duration_minutes="75"), ROWS[2]]
    third = start(shop_db, work_orders_csv(changed))
    run_import(third)
    result = imported(shop_db, third)
    assert (result["work_orders_updated"], result["work_orders_unchanged"]) == (1, 1)
    assert query(shop_db, "select description from public.work_orders where external_id = 'DMS-1'") == \
        [("Brake job, rear too",)]
    assert query(shop_db, "select duration_minutes from public.tasks where name = 'Replace pads'") == [(75,)]
    assert scalar(shop_db, "select count(*) from public.work_orders") == 2


def test_all_or_nothing_rejects_the_file_on_one_bad_row(shop_db):
    import_id = start(shop_db, work_orders_csv(ROWS + [BAD_ROW]))
    assert run_import(import_id) == "rejected"
    result = imported(shop_db, import_id)
    assert result["errors"] == [{"line": 5, "column": "priority", "message": "must be between 1 and 5, got 9"}]
    assert scalar(shop_db, "select count(*) from public.work_orders") == 0
    assert scalar(shop_db, "select count(*) from public.pipeline_runs") == 0


def test_good_rows_imports_the_rest_and_reports_the_bad(shop_db):
    import_id = start(shop_db, work_orders_csv(ROWS + [BAD_ROW]), mode="good_rows")
    assert run_import(import_id) == "done"
    result = imported(shop_db, import_id)
    assert (result["work_orders_created"], result["rows_invalid"], result["error_count"]) == (2, 1, 1)
    assert result["errors"][0]["line"] == 5
    assert sorted(r[0] for r in query(shop_db, "select external_id from public.work_orders")) == ["DMS-1", "DMS-2"]


@pytest.mark.parametrize("mode, expected_orders", [("good_rows", 2), ("all_or_nothing", 0)])
def test_a_work_order_the_database_refuses_is_rolled_back_whole(shop_db, mode, expected_orders):
    """A task id of another work order passes the CSV checks but not the database: its work order
    (with every task row) is not written; good_rows keeps the others."""
    first = start(shop_db, work_orders_csv(ROWS))
    run_import(first)
    foreign_task = scalar(shop_db, "select t.id::text from public.tasks t where t.name = 'Inspect brakes'")
    shop = query(shop_db, "select count(*) from public.tasks")[0][0]
    rows = [{"external_id": "NEW-1", "description": "New", "task_id": "", "task_name": "a",
             "task_duration_minutes": "10"},
            {"external_id": "NEW-2", "description": "Thief", "task_id": "", "task_name": "own",
             "task_duration_minutes": "5"},
            {"external_id": "NEW-2", "description": "", "task_id": foreign_task, "task_name": "stolen",
             "task_duration_minutes": "5"},
            {"external_id": "NEW-3", "description": "Also new", "task_id": "", "task_name": "b",
             "task_duration_minutes": "10"}]
    import_id = start(shop_db, work_orders_csv(rows), mode=mode)
    status = run_import(import_id)
    result = imported(shop_db, import_id)
    assert status == ("done" if mode == "good_rows" else "rejected")
    # The counters tell what was written: the refused work order is failed, not written.
    assert (result["work_orders_written"], result["work_orders_failed"]) == (expected_orders, 1)
    assert any(e["line"] == 3 and "belongs to another work order" in e["message"] for e in result["errors"])
    assert scalar(shop_db, "select count(*) from public.work_orders where external_id like 'NEW-%%'") == expected_orders
    assert scalar(shop_db, "select count(*) from public.work_orders where external_id = 'NEW-2'") == 0
    assert scalar(shop_db, "select count(*) from public.tasks where name in ('own', 'stolen')") == 0
    assert query(shop_db, "select name from public.tasks where id = %s", (foreign_task,)) == [("Inspect brakes",)]
    assert scalar(shop_db, "select count(*) from public.tasks") == shop + expected_orders


def test_local_dates_use_the_shops_format_and_timezone(shop_db):
    with psycopg.connect(shop_db) as conn:
        conn.execute("update public.shop_settings set local_date_format = 'DD.MM.YYYY', timezone = 'Europe/Berlin'")
    content = "external_id;description;due_at\nA;x;24.12.2026 09:30\n".encode("utf-8-sig")
    run_import(start(shop_db, content))
    assert scalar(shop_db, "select due_at at time zone 'UTC' from public.work_orders")\
        .isoformat() == "2026-12-24T08:30:00"


def test_running_a_finished_import_again_changes_nothing(shop_db):
    import_id = start(shop_db, work_orders_csv(ROWS))
    run_import(import_id)
    assert run_import(import_id) == "done"
    assert scalar(shop_db, "select count(*) from public.pipeline_runs") == 2


def test_a_retried_import_after_a_crash_still_counts_and_starts_every_work_order(shop_db, env, monkeypatch):
    """good_rows commits batch by batch; a worker dying between batches leaves the import
    `writing`, and the retry finds its own earlier writes without losing them."""
    env(bayflow_import_batch_size=1)
    import pipelines.imports as imports

    import_id = start(shop_db, work_orders_csv(ROWS), mode="good_rows")
    report_progress, alive = imports._report_progress, [False]

    def die_after_first_batch(*args):
        if not alive[0]:
            raise RuntimeError("worker died")
        report_progress(*args)

    monkeypatch.setattr(imports, "_report_progress", die_after_first_batch)
    with pytest.raises(RuntimeError):
        run_import(import_id)
    assert imported(shop_db, import_id)["status"] == "writing"
    assert scalar(shop_db, "select count(*) from public.work_orders") == 1
    alive[0] = True
    assert run_import(import_id) == "done"
    result = imported(shop_db, import_id)
    assert (result["work_orders_created"], result["work_orders_unchanged"]) == (2, 0)
    assert scalar(shop_db, "select count(*) from public.pipeline_runs where triggered_by = %s",
                  (f"import:{import_id}",)) == 2
