"""Request limits checked before a route runs: header size, the caller's token, body size.

In this order, so that no one without a valid token makes the API read or parse a body:
1. headers over BAYFLOW_API_MAX_HEADER_BYTES (names and values together): 431;
2. a `Content-Length` over the limit of the route's class: 413 without reading the body;
3. when the route asks for the body's first bytes, and it needs a user token (it depends on
   api.deps.verified_claims), the token is verified first: 401 with the body unread (the
   route's own check later hits the verified-token cache);
4. while the body streams in, the first byte over that limit: 413 (the route stops reading).
Either early answer closes the connection, so the server stops reading the body too.

Body classes: CSV imports (BAYFLOW_IMPORT_MAX_BYTES), attachments
(BAYFLOW_ATTACHMENT_MAX_BYTES), inbound webhooks (BAYFLOW_WEBHOOK_MAX_BODY_BYTES), and JSON,
everything else (BAYFLOW_API_MAX_JSON_BYTES). A multipart upload may carry its form's
boundaries and headers on top of its file's limit.
"""
from dataclasses import dataclass

from fastapi.dependencies.models import Dependant
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.auth import unauthorized
from api.problems import ProblemError, problem_response
from bayflow.config import Settings

MULTIPART_OVERHEAD = 64 * 1024


class RefusedBody(StarletteHTTPException):
    """Raised from `receive` to refuse a body (FastAPI passes an HTTPException raised while it
    reads a body through unchanged): answered as a problem, and the connection is closed."""

    def __init__(self, status: int, title: str, detail: str, headers: dict | None = None):
        super().__init__(status, detail, headers={**(headers or {}), "Connection": "close"})
        self.title = title


async def on_refused_body(request, exc: RefusedBody):
    return problem_response(exc.status_code, exc.title, exc.detail, headers=exc.headers)


@dataclass(frozen=True)
class BodyClass:
    limit: int
    setting: str


def body_class(path: str, s: Settings) -> BodyClass:
    """The limit of a request body to `path`."""
    if path.startswith("/v1/imports"):
        return BodyClass(s.bayflow_import_max_bytes + MULTIPART_OVERHEAD, "BAYFLOW_IMPORT_MAX_BYTES")
    if path.startswith("/v1/attachments") or (path.startswith("/v1/tasks/") and "/attachments" in path):
        return BodyClass(s.bayflow_attachment_max_bytes + MULTIPART_OVERHEAD, "BAYFLOW_ATTACHMENT_MAX_BYTES")
    if path.startswith("/v1/webhooks/inbound/"):
        return BodyClass(s.bayflow_webhook_max_body_bytes, "BAYFLOW_WEBHOOK_MAX_BODY_BYTES")
    return BodyClass(s.bayflow_api_max_json_bytes, "BAYFLOW_API_MAX_JSON_BYTES")


def _needs_token(dependant: Dependant, verify) -> bool:
    return dependant.call is verify or any(_needs_token(d, verify) for d in dependant.dependencies)


class RequestLimits:
    """ASGI middleware enforcing the limits above; `verify_call` is the dependency that marks a
    route as needing a user token (api.deps.verified_claims)."""

    def __init__(self, app, settings: Settings, verifier, verify_call):
        self.app = app
        self.settings = settings
        self.verifier = verifier
        self.verify_call = verify_call
        self._token_routes: dict[int, bool] = {}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        s = self.settings
        headers = scope["headers"]
        if sum(len(name) + len(value) for name, value in headers) > s.bayflow_api_max_header_bytes:
            return await self._refuse(scope, send, 431, "Request header fields too large",
                                      f"the headers exceed {s.bayflow_api_max_header_bytes} bytes"
                                      " (BAYFLOW_API_MAX_HEADER_BYTES)")
        length, chunked = None, False
        for name, value in headers:
            if name == b"content-length":
                length = int(value) if value.isdigit() else None
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
        if not (chunked or length):
            return await self.app(scope, receive, send)

        limit = body_class(scope["path"], s)
        if length is not None and length > limit.limit:
            return await self._refuse(scope, send, 413, "Payload too large",
                                      f"the body is {length} bytes; the limit is {limit.limit} ({limit.setting})")
        received, checked = 0, False

        async def limited_receive():
            nonlocal received, checked
            if not checked:  # the router has put the route in the scope by now
                checked = True
                await self._check_token(scope)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit.limit:
                    raise RefusedBody(413, "Payload too large",
                                      f"the body exceeds the limit of {limit.limit} bytes ({limit.setting})")
            return message

        return await self.app(scope, limited_receive, send)

    async def _check_token(self, scope) -> None:
        route = scope.get("route")
        if route is None or not self._needs_token(route):
            return
        try:
            await self.verifier.verify(_bearer_token(scope["headers"]))
        except ProblemError as exc:
            raise RefusedBody(exc.status, exc.title, exc.detail, exc.headers) from None

    def _needs_token(self, route) -> bool:
        key = id(route)
        if key not in self._token_routes:
            dependant = getattr(route, "dependant", None)
            self._token_routes[key] = dependant is not None and _needs_token(dependant, self.verify_call)
        return self._token_routes[key]

    @staticmethod
    async def _refuse(scope, send, status: int, title: str, detail: str, headers: dict | None = None):
        """Answer at once and close the connection: the server stops reading the unread body."""
        response = problem_response(status, title, detail, headers={**(headers or {}), "Connection": "close"})
        await response(scope, None, send)


def _bearer_token(headers) -> str:
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    raise unauthorized("missing bearer token")
