"""End to end for the technician app: a work order scheduled by the real workers lands on the
technician's day, marked new since their last look, with the schedule's reasons; they start it,
attach a photo (stored under BAYFLOW_HOME without its GPS data) and finish it, all through
`bayflow api` over HTTP."""
import io
from datetime import datetime
from pathlib import Path

from PIL import Image

from tests.pipelines.conftest import TECH_ANA, TECH_BEN, TECHNICIAN_ANA, new_work_order


def gps_photo() -> bytes:
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 0.0)}
    out = io.BytesIO()
    Image.new("RGB", (400, 300), "grey").save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_scheduled_task_reaches_the_technicians_day_and_is_worked(stack):
    for user in (TECH_ANA, TECH_BEN):  # the first look: nothing is new yet
        first = stack.call("GET", "/v1/me/tasks", user)
        assert first.status_code == 200, first.text
        assert first.json()["changes"] == []

    created = stack.call("POST", "/v1/work_orders", json=new_work_order(
        description="2016 Toyota Corolla: squeaks when stopping, replace front brake pads"))
    wo = created.json()["id"]
    assert stack.wait_finished(wo)[1] == "succeeded"
    task_id, technician, starts = stack.sql(
        "select id::text, assigned_technician_id::text, planned_start from public.tasks"
        " where work_order_id = %s order by planned_start limit 1", (wo,))[0]
    user = TECH_ANA if technician == TECHNICIAN_ANA else TECH_BEN

    day = stack.call("GET", "/v1/me/tasks", user, params={"day": starts.date().isoformat()}).json()
    listed = {t["id"]: t for t in day["tasks"]}
    assert task_id in listed
    task = listed[task_id]
    assert task["changed"]["kind"] == "new" and task["why"] and all(isinstance(w, str) for w in task["why"])
    assert task["work_order"]["id"] == wo and task["status"] == "scheduled"
    assert any(c["task_id"] == task_id and "is new on your list" in c["message"] for c in day["changes"])

    started = stack.http.post(f"/v1/tasks/{task_id}/status", json={"status": "in_progress"},
                              headers={**stack.headers(user), "Idempotency-Key": "start-1"})
    assert started.status_code == 200, started.text
    assert datetime.fromisoformat(started.json()["actual_start"])

    photo = stack.http.post(f"/v1/tasks/{task_id}/attachments", content=gps_photo(),
                            headers={**stack.headers(user), "Content-Type": "image/jpeg"})
    assert photo.status_code == 201, photo.text
    downloaded = stack.http.get(photo.json()["url"])
    assert downloaded.status_code == 200
    assert Image.open(io.BytesIO(downloaded.content)).getexif().get_ifd(0x8825) == {}
    stored = sorted(p.name for p in (Path(stack.env["BAYFLOW_HOME"]) / "attachments").rglob("*") if p.is_file())
    assert stored == sorted([photo.json()["id"], f"{photo.json()['id']}.thumbnail.jpg"])

    done = stack.call("POST", f"/v1/tasks/{task_id}/status", user, json={"status": "done"})
    assert done.status_code == 200 and done.json()["actual_end"] is not None
    back = stack.call("POST", f"/v1/tasks/{task_id}/status", user, json={"status": "in_progress"})
    assert back.status_code == 409
    assert back.json()["errors"] == [{"field": "status",
                                      "message": "a technician cannot move a done task back to in_progress"}]
