"""Attachments under row-level security, as the API's requests run: a technician reads and adds
attachments only on their own tasks, as themselves; staff read all; only staff delete, and a
deletion records the stored objects for the sweep in the same transaction."""
import uuid

import pytest
from psycopg import errors

INSERT = ("insert into attachments (task_id, work_order_id, uploaded_by, content_type, size, sha256, storage_key)"
          " values (%s, %s, %s, 'image/jpeg', 10, %s, %s) returning id, work_order_id")


def attach(conn, task, uploader, work_order=None):
    key = f"attachments/{uuid.uuid4()}"
    return conn.execute(INSERT, (task, work_order or uuid.uuid4(), uploader, uuid.uuid4().hex * 2, key)).fetchone()


def test_technician_attaches_only_to_their_own_task_as_themselves(shop, as_profile):
    with as_profile(shop.ana) as conn:
        attachment_id, work_order = attach(conn, shop.task_ana, shop.ana)
    assert work_order == shop.wo_ana  # taken from the task, whatever the client sent
    for task, uploader in [(shop.task_ben, shop.ana), (shop.task_ana, shop.ben)]:
        with as_profile(shop.ana) as conn, pytest.raises(errors.InsufficientPrivilege):
            attach(conn, task, uploader)


def test_who_sees_and_deletes_attachments(shop, as_profile, owner):
    with as_profile(shop.ana) as conn:
        attachment_id, _ = attach(conn, shop.task_ana, shop.ana)
    with as_profile(shop.ben) as conn:
        assert conn.execute("select count(*) from attachments").fetchone() == (0,)
    with as_profile(shop.ana) as conn:
        assert conn.execute("select id from attachments").fetchall() == [(attachment_id,)]
        assert conn.execute("delete from attachments where id = %s", (attachment_id,)).rowcount == 0
    with as_profile(shop.dispatcher) as conn:
        assert conn.execute("select count(*) from attachments").fetchone() == (1,)
        assert conn.execute("delete from attachments where id = %s returning storage_key",
                            (attachment_id,)).fetchone() is not None
    assert owner.execute("select count(*) from storage_deletions").fetchone() == (1,)


def test_a_refused_deletion_records_nothing_to_sweep(shop, as_profile, owner):
    with as_profile(shop.ana) as conn:
        attach(conn, shop.task_ana, shop.ana)
    with pytest.raises(RuntimeError), as_profile(shop.dispatcher) as conn:
        conn.execute("delete from work_orders where id = %s", (shop.wo_ana,))
        raise RuntimeError("the request fails after the delete: its transaction rolls back")
    assert owner.execute("select count(*) from storage_deletions").fetchone() == (0,)
    assert owner.execute("select count(*) from attachments").fetchone() == (1,)
