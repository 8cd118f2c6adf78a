"""The technician app (tech/) in Chromium at phone size against a real bayflow: the browser side is
`tech/e2e/*.test.mjs`; this side sets the technicians' day up in the demo shop and checks what the
browser cannot see (what was stored, and who may see it)."""
import io
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from PIL import Image

from bayflow.paths import ROOT
from tests.support.sql import query, scalar
from tests.support.web import run_browser_tests

TECH, OTHER, DISPATCHER = "ana@demo.bayflow.dev", "ben@demo.bayflow.dev", "dispatch1@demo.bayflow.dev"
GPS_IFD = 0x8825
NOTE, BLOCK_REASON = "Codes P0301, P0304: coil pack 1 cracked.", "Waiting for the customer to approve the coil pack"

# Tasks of the demo shop (work order VIN, task name) given a slot today, in this order.
WORK = ("4T1BF1FK0GU100002", "Scan codes and diagnose misfire")  # started, photographed, done
OFFLINE = ("5YJ3E1EA1NF100008", "Electrical diagnosis")  # started and photographed offline
GONE = ("1FM5K8AR3KGA10019", "Charging system test")  # started offline, reassigned meanwhile
MOVED = ("1GC1KVEG7HF100007", "Mount and balance four tires")  # Ben's, reassigned to Ana


def gps_photo(path, seed: int) -> None:
    """A JPEG with GPS EXIF (where the photo was taken), as a phone writes it; `seed` varies its bytes."""
    pixels = bytes((i * 7 + seed * 31 + (i // 1200) * 13) % 251 for i in range(400 * 300 * 3))
    image = Image.frombytes("RGB", (400, 300), pixels)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (41.0, 52.0, 30.0), 3: "W", 4: (87.0, 37.0, 40.0)})
    image.save(path, "JPEG", quality=95, exif=exif)
    assert Image.open(path).getexif().get_ifd(GPS_IFD), "the fixture carries GPS EXIF"


def technician(db: str, email: str) -> str:
    return str(scalar(db, "select t.id from public.technicians t join public.profiles p on p.id = t.profile_id"
                          " where p.email = %s", (email,)))


def task_id(db: str, task: tuple[str, str]) -> str:
    return str(scalar(db, "select t.id from public.tasks t join public.work_orders w on w.id = t.work_order_id"
                          " where w.vin = %s and t.name = %s", task))


@pytest.fixture(scope="module")
def day(web_stack, tmp_path_factory):
    """Ana's day: three tasks one after another from about now (kept inside today in the shop's time
    zone), locked where they are so no schedule run moves them; and one of Ben's after them."""
    assert (ROOT / "tech" / "dist" / "index.html").exists(), "the technician app is not built: run `make web`"
    db = web_stack.db_url
    zone = ZoneInfo(scalar(db, "select timezone from public.shop_settings"))
    now = datetime.now(zone)
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    start = min(max(now - timedelta(minutes=30), day_start + timedelta(minutes=5)), day_start + timedelta(hours=19))
    start = start.replace(minute=start.minute - start.minute % 5, second=0, microsecond=0)
    ana, ben = technician(db, TECH), technician(db, OTHER)
    bay = scalar(db, "select id from public.bays where name = 'Lift 3'")
    plan = [(WORK, ana), (OFFLINE, ana), (GONE, ana), (MOVED, ben)]
    ids = {}
    for n, (task, who) in enumerate(plan):
        ids[task] = task_id(db, task)
        begins = start + timedelta(hours=n)
        query(db, """update public.tasks set assigned_technician_id = %s, bay_id = %s, status = 'scheduled',
  planned_start = %s, planned_end = %s + make_interval(mins => duration_minutes),
  lock_start = true, lock_technician = true, lock_bay = true where id = %s""", (who, bay, begins, begins, ids[task]))
    folder = tmp_path_factory.mktemp("photos")
    photos = [folder / "work.jpg", folder / "offline.jpg"]
    for seed, path in enumerate(photos):
        gps_photo(path, seed)
    return {"db": db, "ids": ids, "ana": ana, "ben": ben, "photos": photos, "base": web_stack.base,
            "tokens": {email: web_stack.token(email) for email in (TECH, OTHER, DISPATCHER)}}


def get(day, email: str, path: str) -> httpx.Response:
    return httpx.get(path if path.startswith("http") else day["base"] + path,
                     headers={"Authorization": f"Bearer {day['tokens'][email]}"}, timeout=30)


def test_a_technicians_day_start_photo_done(web_stack, day):
    work = day["ids"][WORK]
    run_browser_tests("tech", web_stack, "day.test.mjs", tech_email=TECH, dispatcher_email=DISPATCHER,
                      work_task=work, photo=day["photos"][0], note=NOTE, block_reason=BLOCK_REASON,
                      expected=json.dumps([WORK[1], OFFLINE[1], GONE[1]]))

    status, started, ended = query(day["db"], "select status, actual_start, actual_end from public.tasks"
                                              " where id = %s", (work,))[0]
    assert status == "done" and started is not None and ended is not None and started <= ended
    assert scalar(day["db"], "select notes from public.tasks where id = %s", (work,)) == NOTE
    assert scalar(day["db"], "select count(*) from public.audit_log where table_name = 'tasks' and row_id = %s"
                             " and new_row->>'status' = 'blocked' and new_row->>'blocked_reason' = %s",
                  (work, BLOCK_REASON)) == 1

    # The dispatcher's API shows the photo, stored without its GPS EXIF, with a thumbnail.
    listed = get(day, DISPATCHER, f"/v1/tasks/{work}/attachments")
    assert listed.status_code == 200, listed.text
    [photo] = listed.json()
    assert photo["content_type"] == "image/jpeg"
    work_order = scalar(day["db"], "select work_order_id from public.tasks where id = %s", (work,))
    on_work_order = get(day, DISPATCHER, f"/v1/work_orders/{work_order}/attachments")
    assert [a["id"] for a in on_work_order.json()] == [photo["id"]]
    stored = httpx.get(photo["url"], timeout=30)
    assert stored.status_code == 200
    exif = Image.open(io.BytesIO(stored.content)).getexif()
    assert not exif.get_ifd(GPS_IFD) and GPS_IFD not in exif, "GPS EXIF was stored"
    thumbnail = Image.open(io.BytesIO(httpx.get(photo["thumbnail_url"], timeout=30).content))
    assert max(thumbnail.size) < 400

    # Another technician: no such task, no such attachments.
    for path in (f"/v1/tasks/{work}", f"/v1/tasks/{work}/attachments", f"/v1/attachments/{photo['id']}"):
        assert get(day, OTHER, path).status_code == 404, path


def test_offline_changes_are_sent_once(web_stack, day):
    offline, gone = day["ids"][OFFLINE], day["ids"][GONE]
    run_browser_tests("tech", web_stack, "offline.test.mjs", tech_email=TECH, dispatcher_email=DISPATCHER,
                      offline_task=offline, gone_task=gone, gone_name=GONE[1], other_technician=day["ben"],
                      photo=day["photos"][1])
    db = day["db"]
    assert scalar(db, "select status from public.tasks where id = %s", (offline,)) == "in_progress"
    assert scalar(db, "select count(*) from public.attachments where task_id = %s", (offline,)) == 1
    # Sent twice (its first answer lost), applied once: one change of the task by the technician.
    assert scalar(db, "select count(*) from public.audit_log a join public.profiles p on p.id = a.actor_profile_id"
                      " where a.table_name = 'tasks' and a.row_id = %s and a.action = 'update' and p.email = %s",
                  (offline, TECH)) == 1
    status, assignee = query(db, "select status, assigned_technician_id::text from public.tasks where id = %s",
                             (gone,))[0]
    assert (status, assignee) == ("scheduled", day["ben"]), "the stale start was applied"


def test_a_reassignment_shows_marked(web_stack, day):
    moved = day["ids"][MOVED]
    run_browser_tests("tech", web_stack, "reassign.test.mjs", tech_email=TECH, dispatcher_email=DISPATCHER,
                      moved_task=moved, moved_name=MOVED[1], technician=day["ana"])
    assignee, status = query(day["db"], "select assigned_technician_id::text, status from public.tasks where id = %s",
                             (moved,))[0]
    assert (assignee, status) == (day["ana"], "done"), "the refused start changed the task"

