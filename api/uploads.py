"""Receiving an uploaded file without holding it in memory: the request body (raw, or the
`file` part of a multipart/form-data body) is streamed to a temporary file while it is
hashed and counted, and refused with 413 as soon as it passes the cap (or at once when its
Content-Length already does). A body shorter than its Content-Length, a multipart body
without its closing boundary, or a connection closed mid-way is refused as truncated."""
import hashlib
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect

from api.problems import ProblemError

# Room for the multipart boundaries and part headers around the file itself.
MULTIPART_OVERHEAD = 64 * 1024


@dataclass(frozen=True)
class Received:
    path: Path
    size: int
    sha256: str
    declared_type: str  # what the client said (Content-Type of the body or the part); never trusted


def too_large(limit: int, what: str) -> ProblemError:
    return ProblemError(413, "Upload too large", f"{what} is larger than the {limit} bytes allowed",
                        [{"field": "file", "message": f"larger than {limit} bytes (BAYFLOW_ATTACHMENT_MAX_BYTES)"}])


def truncated(message: str) -> ProblemError:
    return ProblemError(400, "Truncated upload", message, [{"field": "file", "message": message}])


class _Sink:
    """The temporary file the upload is written to, hashed and counted on the way."""

    def __init__(self, path: Path, limit: int):
        self.path, self.limit = path, limit
        self.size = 0
        self._hash = hashlib.sha256()
        self._out = open(path, "wb")

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise too_large(self.limit, "the file")
        self._hash.update(data)
        self._out.write(data)

    def close(self) -> str:
        self._out.close()
        return self._hash.hexdigest()


async def receive_upload(request: Request, dest: Path, limit: int) -> Received:
    """Stream the request's file to `dest` (at most `limit` bytes) and describe it."""
    declared_length = request.headers.get("content-length")
    expected = int(declared_length) if declared_length and declared_length.isdigit() else None
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    multipart = content_type == b"multipart/form-data"
    if expected is not None and expected > limit + (MULTIPART_OVERHEAD if multipart else 0):
        raise too_large(limit, f"the body ({expected} bytes)")
    sink = _Sink(dest, limit)
    try:
        if multipart:
            declared = await _receive_multipart(request, options.get(b"boundary"), sink)
        else:
            declared = content_type.decode("latin-1")
            async for chunk in _body(request, expected):
                sink.write(chunk)
    finally:
        digest = sink.close()
    if sink.size == 0:
        raise ProblemError(422, "Empty upload", "the upload has no content", [{"field": "file", "message": "empty"}])
    return Received(dest, sink.size, digest, declared)


async def _body(request: Request, expected: int | None):
    """The body's chunks; truncated when the client stops short of its Content-Length."""
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            yield chunk
    except ClientDisconnect:
        raise truncated(f"the connection closed after {received} bytes of the body") from None
    if expected is not None and received < expected:
        raise truncated(f"the body ended after {received} of the {expected} bytes its Content-Length announced")


async def _receive_multipart(request: Request, boundary: bytes | None, sink: _Sink) -> str:
    """Write the `file` part of a multipart body into `sink`; the part's declared Content-Type."""
    if not boundary:
        raise ProblemError(422, "Invalid upload", "multipart/form-data needs a boundary",
                           [{"field": "Content-Type", "message": "missing boundary"}])
    state = {"name": None, "type": "", "files": 0, "ended": False, "header": b"", "value": b""}
    headers: dict[bytes, bytes] = {}

    def on_part_begin():
        headers.clear()

    def on_header_field(data, start, end):
        state["header"] += data[start:end]

    def on_header_value(data, start, end):
        state["value"] += data[start:end]

    def on_header_end():
        headers[state["header"].lower()] = state["value"]
        state["header"], state["value"] = b"", b""

    def on_headers_finished():
        _, disposition = parse_options_header(headers.get(b"content-disposition", b""))
        state["name"] = disposition.get(b"name")
        if state["name"] == b"file":
            state["files"] += 1
            if state["files"] > 1:
                raise ProblemError(422, "Invalid upload", "send one file per upload",
                                   [{"field": "file", "message": "more than one file part"}])
            state["type"] = headers.get(b"content-type", b"").decode("latin-1")

    def on_part_data(data, start, end):
        if state["name"] == b"file":
            sink.write(data[start:end])

    def on_end():
        state["ended"] = True

    parser = MultipartParser(boundary, {
        "on_part_begin": on_part_begin, "on_header_field": on_header_field, "on_header_value": on_header_value,
        "on_header_end": on_header_end, "on_headers_finished": on_headers_finished,
        "on_part_data": on_part_data, "on_end": on_end})
    expected = request.headers.get("content-length")
    try:
        async for chunk in _body(request, int(expected) if expected and expected.isdigit() else None):
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as e:
        raise ProblemError(422, "Invalid upload", f"the multipart body is malformed: {e}",
                           [{"field": "file", "message": "malformed multipart body"}]) from None
    if not state["ended"]:
        raise truncated("the multipart body ends before its closing boundary")
    if state["files"] == 0:
        raise ProblemError(422, "Invalid upload", "the multipart body has no `file` part",
                           [{"field": "file", "message": "field required"}])
    return state["type"]
