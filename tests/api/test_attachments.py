"""Photos and files on tasks, on both storage backends (files under BAYFLOW_HOME, and S3 through
moto's standalone server on 127.0.0.1): stored without EXIF/GPS and with a thumbnail, downloaded
through short-lived signed URLs, one attachment per file and task; bad uploads (wrong content,
too large, truncated) refused with a named reason and nothing stored; another technician gets 404."""
import io
import json
import subprocess
import uuid
from pathlib import Path

import boto3
import httpx
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from api.app import create_app
from tests.api.test_work_orders import create
from tests.support.environment import child_environment
from tests.support.processes import BAYFLOW, BIN, ProcessGroups, free_port, wait_until_serving
from tests.support.shop import DISPATCHER, TECH_ANA, TECH_BEN
from tests.support.sql import scalar

MAX_BYTES = 200_000
S3_KEYS = {"aws_access_key_id": "test-key-id", "aws_secret_access_key": "test-secret-key"}
GPS = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 0.0)}


def photo(fmt: str = "JPEG", size=(640, 480), gps: bool = True, seed: int = 0, orientation: int | None = None) -> bytes:
    """An image carrying camera EXIF (and GPS coordinates, unless gps=False); `seed` varies its pixels."""
    image = Image.new("RGB", size, (200, 30, (30 + 60 * seed) % 256))
    exif = Image.Exif()
    exif[0x010F] = "PhoneCam"    # Make
    exif[0x0132] = "2026:12:07 08:15:00"  # DateTime
    if gps:
        exif[0x8825] = GPS       # GPSInfo
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif.tobytes())
    return out.getvalue()


PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """moto's standalone S3-compatible server (`moto_server`) in a process of its own on 127.0.0.1."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    groups = ProcessGroups(tmp_path_factory.mktemp("moto"))
    try:
        server = groups.spawn("moto", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                              child_environment())
        wait_until_serving(f"{url}/moto-api/", [server], 30, details=lambda: groups.log("moto"))
        yield url
    finally:
        groups.close()


class Backend:
    """What a storage backend holds, read around the API."""

    def __init__(self, kind: str, home: Path, s3_url: str | None):
        self.kind, self.home, self.bucket = kind, home, None
        if kind == "s3":
            self.bucket = f"bayflow-{uuid.uuid4().hex[:12]}"
            self.s3 = boto3.client("s3", endpoint_url=s3_url, region_name="us-east-1", **S3_KEYS)
            self.s3.create_bucket(Bucket=self.bucket)

    def settings(self, s3_url) -> dict:
        if self.kind == "local":
            return {}
        return {"bayflow_storage_url": f"s3://{self.bucket}/shop-1", "bayflow_storage_endpoint_url": s3_url,
                "bayflow_storage_access_key_id": S3_KEYS["aws_access_key_id"],
                "bayflow_storage_secret_access_key": S3_KEYS["aws_secret_access_key"]}

    def objects(self) -> dict[str, bytes]:
        if self.kind == "local":
            root = self.home / "attachments"
            return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()} \
                if root.exists() else {}
        listed = self.s3.list_objects_v2(Bucket=self.bucket).get("Contents", [])
        return {o["Key"].removeprefix("shop-1/"): self.s3.get_object(Bucket=self.bucket, Key=o["Key"])["Body"].read()
                for o in listed}


@pytest.fixture(params=["local", "s3"])
def backend(request, tmp_path, s3_server):
    return Backend(request.param, tmp_path, s3_server)


@pytest.fixture
def client(shop_db, supabase_auth, tmp_path, backend, s3_server):
    settings = supabase_auth.app_settings(shop_db, tmp_path, bayflow_attachment_max_bytes=MAX_BYTES,
                                          **backend.settings(s3_server))
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def task(client, as_user):
    """Ana's task ("Inspect brakes")."""
    return create(client, as_user).json()["task_ids"]["inspect"]


def upload(client, as_user, task_id, content: bytes, content_type="image/jpeg", user=TECH_ANA, **headers):
    return client.post(f"/v1/tasks/{task_id}/attachments", content=content,
                       headers=as_user(user, **{"Content-Type": content_type, **headers}))


def fetch(client, url: str) -> httpx.Response:
    """A signed URL fetched as a browser would: no bearer token."""
    return client.get(url)


def assert_nothing_stored(backend, shop_db):
    assert scalar(shop_db, "select count(*) from public.attachments") == 0
    assert backend.objects() == {}


def test_photo_is_stored_without_gps_and_with_a_thumbnail(client, as_user, task, backend, shop_db):
    original = photo()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825) == GPS  # the fixture does carry GPS
    response = upload(client, as_user, task, original)
    assert response.status_code == 201, response.text
    attachment = response.json()
    assert attachment["task_id"] == task and attachment["content_type"] == "image/jpeg"
    assert attachment["size"] == len(original)
    assert attachment["sha256"] == __import__("hashlib").sha256(original).hexdigest()
    assert response.headers["Location"] == f"/v1/attachments/{attachment['id']}"

    stored = fetch(client, attachment["url"])
    assert stored.status_code == 200 and stored.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(stored.content))
    assert image.size == (640, 480)
    assert dict(image.getexif()) == {} and "exif" not in image.info
    assert b"PhoneCam" not in stored.content
    thumbnail = Image.open(io.BytesIO(fetch(client, attachment["thumbnail_url"]).content))
    assert thumbnail.format == "JPEG" and max(thumbnail.size) == 320 and dict(thumbnail.getexif()) == {}

    objects = backend.objects()
    assert set(objects) == {f"attachments/{attachment['id']}", f"attachments/{attachment['id']}.thumbnail.jpg"}
    assert objects[f"attachments/{attachment['id']}"] == stored.content
    row = scalar(shop_db, "select row_to_json(a) from public.attachments a")
    assert row["uploaded_by"] == str(TECH_ANA) and row["storage_key"] == f"attachments/{attachment['id']}"

    # the dispatcher sees it (per task and per work order) and may delete it; the objects go with it
    staff = as_user(DISPATCHER)
    assert [a["id"] for a in client.get(f"/v1/tasks/{task}/attachments", headers=staff).json()] == [attachment["id"]]
    work_order = row["work_order_id"]
    assert [a["id"] for a in client.get(f"/v1/work_orders/{work_order}/attachments", headers=staff).json()] == \
        [attachment["id"]]
    assert client.delete(f"/v1/attachments/{attachment['id']}", headers=as_user(TECH_ANA)).status_code == 403
    assert client.delete(f"/v1/attachments/{attachment['id']}", headers=staff).status_code == 204
    assert_nothing_stored(backend, shop_db)
    assert fetch(client, attachment["url"]).status_code == 404


def test_a_photo_taken_sideways_is_stored_upright(client, as_user, task):
    """Orientation is EXIF too: it is applied to the pixels before the metadata goes."""
    sideways = upload(client, as_user, task, photo(orientation=6))  # 640x480 sensor, phone held upright
    assert sideways.status_code == 201, sideways.text
    stored = Image.open(io.BytesIO(fetch(client, sideways.json()["url"]).content))
    assert stored.size == (480, 640) and dict(stored.getexif()) == {}
    thumbnail = Image.open(io.BytesIO(fetch(client, sideways.json()["thumbnail_url"]).content))
    assert thumbnail.size == (240, 320)


def test_a_multi_picture_jpeg_from_a_phone_is_a_jpeg(client, as_user, task):
    """MPO: a JPEG with more pictures appended (depth maps, previews), as many phones save them."""
    out = io.BytesIO()
    main = Image.open(io.BytesIO(photo()))
    main.save(out, format="MPO", save_all=True, append_images=[Image.new("RGB", (64, 48))],
              exif=main.info["exif"])
    assert Image.open(io.BytesIO(out.getvalue())).format == "MPO"
    response = upload(client, as_user, task, out.getvalue())
    assert response.status_code == 201, response.text
    stored = Image.open(io.BytesIO(fetch(client, response.json()["url"]).content))
    assert stored.format == "JPEG" and stored.size == (640, 480) and dict(stored.getexif()) == {}


def test_same_file_twice_is_one_attachment(client, as_user, task, shop_db, backend):
    first = upload(client, as_user, task, photo())
    again = upload(client, as_user, task, photo())
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert scalar(shop_db, "select count(*) from public.attachments") == 1 and len(backend.objects()) == 2
    other = upload(client, as_user, task, photo(seed=1))
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]


def test_a_resent_upload_with_its_key_is_replayed(client, as_user, task, shop_db):
    first = upload(client, as_user, task, photo(), **{"Idempotency-Key": "photo-7"})
    again = upload(client, as_user, task, photo(), **{"Idempotency-Key": "photo-7"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true" and again.json()["id"] == first.json()["id"]
    other_file = upload(client, as_user, task, photo(seed=2), **{"Idempotency-Key": "photo-7"})
    assert other_file.status_code == 422 and other_file.json()["errors"][0]["field"] == "Idempotency-Key"
    assert scalar(shop_db, "select count(*) from public.attachments") == 1


def test_multipart_png_heic_and_pdf_uploads(client, as_user, task):
    png = client.post(f"/v1/tasks/{task}/attachments", headers=as_user(TECH_ANA),
                      files={"file": ("dash.png", photo("PNG"), "image/png")})
    assert png.status_code == 201, png.text
    stored = Image.open(io.BytesIO(fetch(client, png.json()["url"]).content))
    assert stored.format == "PNG" and "exif" not in stored.info and dict(stored.getexif()) == {}

    heic = upload(client, as_user, task, photo("HEIF"), "image/heic")
    assert heic.status_code == 201, heic.text
    assert heic.json()["content_type"] == "image/jpeg"  # browsers cannot show HEIC
    converted = Image.open(io.BytesIO(fetch(client, heic.json()["url"]).content))
    assert converted.format == "JPEG" and dict(converted.getexif()) == {}

    pdf = upload(client, as_user, task, PDF, "application/pdf")
    assert pdf.status_code == 201 and pdf.json()["thumbnail_url"] is None
    assert fetch(client, pdf.json()["url"]).content == PDF
    listed = client.get(f"/v1/tasks/{task}/attachments", headers=as_user(TECH_ANA)).json()
    assert [a["content_type"] for a in listed] == ["image/png", "image/jpeg", "application/pdf"]


def refused(response) -> tuple[int, str, str]:
    body = response.json()
    assert response.headers["content-type"] == "application/problem+json", response.text
    return response.status_code, body["errors"][0]["field"], body["errors"][0]["message"]


def test_wrong_content_is_refused_and_nothing_stored(client, as_user, task, backend, shop_db):
    text_as_jpeg = upload(client, as_user, task, b"<html>not a photo</html>", "image/jpeg")
    assert refused(text_as_jpeg) == (422, "file", "not a JPEG, PNG, HEIC or PDF file (checked by its content, "
                                                  "not its name)")
    fake = client.post(f"/v1/tasks/{task}/attachments", headers=as_user(TECH_ANA),
                       files={"file": ("photo.jpg", b"MZ\x90\x00 an executable", "image/jpeg")})
    assert refused(fake)[0:2] == (422, "file")
    assert refused(upload(client, as_user, task, b"", "image/jpeg")) == (422, "file", "empty")
    assert_nothing_stored(backend, shop_db)


def test_too_large_is_refused_before_it_is_read_and_nothing_stored(client, as_user, task, backend, shop_db):
    big = photo(size=(2000, 2000)) + b"\0" * MAX_BYTES
    declared = upload(client, as_user, task, big)
    assert refused(declared)[0:2] == (413, "file")
    assert f"larger than {MAX_BYTES} bytes" in refused(declared)[2]

    def chunks():  # no Content-Length: refused once the stream passes the cap
        for i in range(0, len(big), 16_384):
            yield big[i:i + 16_384]

    streamed = client.post(f"/v1/tasks/{task}/attachments", content=chunks(),
                           headers=as_user(TECH_ANA, **{"Content-Type": "image/jpeg"}))
    assert refused(streamed)[0:2] == (413, "file")
    multipart = client.post(f"/v1/tasks/{task}/attachments", headers=as_user(TECH_ANA),
                            files={"file": ("big.jpg", big, "image/jpeg")})
    assert refused(multipart)[0:2] == (413, "file")
    assert_nothing_stored(backend, shop_db)


def test_truncated_uploads_are_refused_and_nothing_stored(client, as_user, task, backend, shop_db):
    whole = photo()
    short_body = upload(client, as_user, task, whole[:5000], **{"Content-Length": str(len(whole))})
    assert refused(short_body) == (400, "file", f"the body ended after 5000 of the {len(whole)} bytes its "
                                                "Content-Length announced")
    cut_photo = upload(client, as_user, task, whole[:len(whole) // 2])
    status, field, message = refused(cut_photo)
    assert (status, field) == (422, "file") and message.startswith("the image is truncated or corrupt")
    boundary = "b0undary"
    cut_multipart = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n"
                     f"Content-Type: image/jpeg\r\n\r\n").encode() + whole
    response = client.post(f"/v1/tasks/{task}/attachments", content=cut_multipart,
                           headers=as_user(TECH_ANA, **{"Content-Type": f"multipart/form-data; boundary={boundary}"}))
    assert refused(response) == (400, "file", "the multipart body ends before its closing boundary")
    cut_pdf = upload(client, as_user, task, PDF[:-8], "application/pdf")
    assert refused(cut_pdf) == (422, "file", "the PDF is truncated (no %%EOF at its end)")
    assert_nothing_stored(backend, shop_db)


def test_another_technician_gets_404(client, as_user, task, shop_db, backend):
    attachment = upload(client, as_user, task, photo()).json()
    for response in (client.get(f"/v1/tasks/{task}/attachments", headers=as_user(TECH_BEN)),
                     client.get(f"/v1/attachments/{attachment['id']}", headers=as_user(TECH_BEN)),
                     upload(client, as_user, task, photo(seed=3), user=TECH_BEN)):
        assert response.status_code == 404, response.text
    listed = client.get(f"/v1/work_orders/{attachment['work_order_id']}/attachments", headers=as_user(TECH_BEN))
    assert listed.json() == []
    assert scalar(shop_db, "select count(*) from public.attachments") == 1 and len(backend.objects()) == 2


def test_download_links_are_signed_and_expire(client, as_user, task):
    attachment = upload(client, as_user, task, photo()).json()
    fresh = client.get(f"/v1/attachments/{attachment['id']}", headers=as_user(TECH_ANA)).json()
    assert fetch(client, fresh["url"]).status_code == 200
    tampered = fresh["url"].replace("variant=content", "variant=thumbnail")
    expired = fresh["url"].replace(f"expires={fresh['url'].split('expires=')[1].split('&')[0]}", "expires=1000")
    other = fresh["url"].replace(attachment["id"], str(uuid.uuid4()))
    for url in (tampered, expired, other, fresh["url"].split("?")[0]):
        assert fetch(client, url).status_code in (403, 422), url
    assert json.loads(fetch(client, tampered).content)["errors"] == \
        [{"field": "signature", "message": "invalid or expired"}]


def test_files_of_a_deleted_work_order_are_swept(client, as_user, task, backend, shop_db, tmp_path, s3_server):
    """Deleting a work order deletes its attachments' rows by cascade; their files are recorded in
    the same transaction and removed by `bayflow storage sweep`."""
    kept_task = create(client, as_user).json()["task_ids"]["inspect"]
    kept = upload(client, as_user, kept_task, photo(seed=4)).json()
    gone = upload(client, as_user, task, photo()).json()
    assert client.delete(f"/v1/work_orders/{gone['work_order_id']}", headers=as_user(DISPATCHER)).status_code == 204
    assert scalar(shop_db, "select count(*) from public.storage_deletions") == 2
    assert len(backend.objects()) == 4  # not yet removed

    env = child_environment(database_url=shop_db, bayflow_home=tmp_path, **{
        k: v for k, v in backend.settings(s3_server).items()})
    swept = subprocess.run([BAYFLOW, "storage", "sweep"], env=env, capture_output=True, text=True, timeout=60)
    assert swept.returncode == 0, swept.stderr
    assert swept.stdout.strip() == "removed 2 stored objects of deleted attachments"
    assert set(backend.objects()) == {f"attachments/{kept['id']}", f"attachments/{kept['id']}.thumbnail.jpg"}
    assert scalar(shop_db, "select count(*) from public.storage_deletions") == 0
    assert fetch(client, kept["url"]).status_code == 200


def test_storage_failure_answers_503_and_saves_nothing(shop_db, supabase_auth, tmp_path, s3_server, as_user):
    """A bucket that does not exist (a misconfiguration, or the storage down): 503 with Retry-After,
    no row; the offline queue on the phone retries later."""
    settings = supabase_auth.app_settings(shop_db, tmp_path, bayflow_storage_url="s3://no-such-bucket/x",
                                          bayflow_storage_endpoint_url=s3_server,
                                          bayflow_storage_access_key_id=S3_KEYS["aws_access_key_id"],
                                          bayflow_storage_secret_access_key=S3_KEYS["aws_secret_access_key"])
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        task_id = create(client, as_user).json()["task_ids"]["inspect"]
        response = upload(client, as_user, task_id, photo())
    assert response.status_code == 503 and response.headers["Retry-After"] == "5", response.text
    assert response.json()["title"] == "Storage unavailable"
    assert S3_KEYS["aws_secret_access_key"] not in response.text
    assert scalar(shop_db, "select count(*) from public.attachments") == 0
