"""Request limits before authentication, against `bayflow api` (uvicorn) over a real socket: a body
is neither read nor parsed for a caller without a valid token, bodies over their class's limit
get 413 from Content-Length or while streaming, and oversized headers get 431."""
import json
import socket

import psutil
import pytest

from api.limits import MULTIPART_OVERHEAD, body_class
from bayflow.config import Settings
from tests.support.environment import child_environment
from tests.support.processes import BAYFLOW, ProcessGroups, free_port, wait_until_serving
from tests.support.shop import DISPATCHER
from tests.support.supabase import HS256_SECRET

MB = 1024 * 1024


@pytest.fixture
def api(shop_db, supabase_auth, tmp_path):
    """(host, port, pid) of `bayflow api` on the shop's database."""
    port = free_port()
    env = child_environment(database_url=shop_db, supabase_url=supabase_auth.url, supabase_jwt_secret=HS256_SECRET,
                            bayflow_home=tmp_path, bayflow_api_host="127.0.0.1", bayflow_api_port=port,
                            bayflow_api_pool_size=2)
    groups = ProcessGroups(tmp_path)
    proc = groups.spawn("api", [BAYFLOW, "api"], env)
    try:
        wait_until_serving(f"http://127.0.0.1:{port}/openapi.json", [proc], 60, details=lambda: groups.log("api"))
        yield "127.0.0.1", port, proc.pid
    finally:
        groups.close(grace_s=5)


def exchange(address, head: bytes, body: bytes = b"", *, wait_s: float = 10) -> tuple[int, dict, bytes]:
    """Send `head` (and `body` if the server still reads), then read the answer: (status, problem, bytes
    of body the server accepted from us before it answered)."""
    with socket.create_connection(address[:2], timeout=wait_s) as sock:
        sock.sendall(head)
        sent = 0
        sock.setblocking(False)
        for start in range(0, len(body), 64 * 1024):
            try:
                sent += sock.send(body[start:start + 64 * 1024])
            except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                break
        sock.settimeout(wait_s)  # a server still waiting for the body never answers: recv times out
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    head_text, _, content = answer.partition(b"\r\n\r\n")
    status = int(head_text.split(b" ", 2)[1])
    assert b"content-type: application/problem+json" in head_text.lower(), head_text
    return status, json.loads(content), sent


def rss(pid: int) -> int:
    """Resident memory of the API process and its children."""
    process = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)])


def test_unauthenticated_200_mb_post_is_refused_without_reading_it(api):
    before = rss(api[2])
    head = (b"POST /v1/work_orders HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % (200 * MB))
    status, problem, _ = exchange(api, head)  # nothing of the body sent: the answer comes anyway
    assert (status, problem["title"]) == (413, "Payload too large")
    assert problem["detail"] == f"the body is {200 * MB} bytes; the limit is {MB} (BAYFLOW_API_MAX_JSON_BYTES)"

    within = (b"POST /v1/work_orders HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n" % (MB // 2))
    status, problem, _ = exchange(api, within)  # the token is checked before the body is waited for
    assert (status, problem["title"], problem["detail"]) == (401, "Unauthorized", "missing bearer token")

    chunked = (b"POST /v1/work_orders HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\n"
               b"Authorization: Bearer not.a.token\r\nTransfer-Encoding: chunked\r\n\r\n")
    stream = (b"%x\r\n%s\r\n" % (MB, b"[" * MB)) * 200
    status, problem, sent = exchange(api, chunked, stream)
    assert status == 401 and sent < len(stream)  # answered with most of the 200 MB never sent
    assert rss(api[2]) - before < 30 * MB  # 200 MB neither buffered nor parsed


def test_a_body_over_its_limit_gets_413_from_its_length_or_while_it_streams(api, supabase_auth):
    token = supabase_auth.token(DISPATCHER).encode()
    declared = (b"POST /v1/work_orders HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\n"
                b"Authorization: Bearer %s\r\nContent-Length: %d\r\n\r\n" % (token, 2 * MB))
    status, problem, _ = exchange(api, declared)
    assert status == 413 and "BAYFLOW_API_MAX_JSON_BYTES" in problem["detail"]

    streamed = (b"POST /v1/work_orders HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\n"
                b"Authorization: Bearer %s\r\nTransfer-Encoding: chunked\r\n\r\n" % token)
    chunk = b'{"description": "' + b"x" * (256 * 1024)
    status, problem, _ = exchange(api, streamed, (b"%x\r\n%s\r\n" % (len(chunk), chunk)) * 8)
    assert (status, problem["title"]) == (413, "Payload too large")
    assert "exceeds the limit of 1048576 bytes (BAYFLOW_API_MAX_JSON_BYTES)" in problem["detail"]


def test_oversized_headers_get_431_before_the_token_is_parsed(api):
    head = (b"GET /v1/me HTTP/1.1\r\nHost: api\r\nAuthorization: Bearer " + b"a" * (8 * MB) + b"\r\n\r\n")
    status, problem, _ = exchange(api, head)
    assert status == 431 and "BAYFLOW_API_MAX_HEADER_BYTES" in problem["detail"]


def test_each_route_class_has_its_own_configurable_limit():
    s = Settings(bayflow_api_max_json_bytes=10, bayflow_import_max_bytes=20, bayflow_attachment_max_bytes=30,
                 bayflow_webhook_max_body_bytes=40)
    assert body_class("/v1/work_orders", s).limit == 10
    assert body_class("/v1/imports", s).limit == 20 + MULTIPART_OVERHEAD
    assert body_class("/v1/tasks/6a0c/attachments", s).limit == 30 + MULTIPART_OVERHEAD
    assert body_class("/v1/attachments/6a0c", s).setting == "BAYFLOW_ATTACHMENT_MAX_BYTES"
    assert body_class("/v1/webhooks/inbound/dms", s).limit == 40
