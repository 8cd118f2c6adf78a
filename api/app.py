"""The FastAPI application: routers, problem+json errors, token verification, the engine."""
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import openapi, problems
from api.auth import TokenVerifier
from api.db import FairConnections, create_engine
from api.db_errors import on_database_error
from api.deps import verified_claims
from api.limits import RefusedBody, RequestLimits, on_refused_body
from api.dev_issuer import JWKS_PATH, DevIssuer
from api.routers import ROUTERS
from api.routers.sign_in import dev_router
from api.web_apps import mount_web_apps
from bayflow.config import Settings
from bayflow.config import settings as env_settings


def create_app(s: Settings | None = None) -> FastAPI:
    s = s or env_settings()
    engine = create_engine(s)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        if getattr(app.state, "event_hub", None) is not None:  # GET /v1/events' listener
            await app.state.event_hub.close()
        await engine.dispose()

    app = FastAPI(
        title="bayflow",
        version="0.1.0",
        description="Scheduling backbone for repair shops. Authenticate with a Supabase access token "
                    "(`Authorization: Bearer ...`); without Supabase, `bayflow token --email ...` prints one.",
        lifespan=lifespan,
        generate_unique_id_function=openapi.operation_id,
    )
    app.state.settings = s
    app.state.engine = engine
    app.state.connections = FairConnections(engine, s.bayflow_api_pool_size)
    app.state.verifier = TokenVerifier(s)
    app.add_middleware(RequestLimits, settings=s, verifier=app.state.verifier, verify_call=verified_claims)
    app.add_middleware(RequestIdMiddleware)
    app.add_exception_handler(problems.ProblemError, problems.on_problem)
    app.add_exception_handler(RefusedBody, on_refused_body)
    app.add_exception_handler(RequestValidationError, problems.on_validation)
    app.add_exception_handler(StarletteHTTPException, problems.on_http)
    app.add_exception_handler(DBAPIError, on_database_error)
    app.add_exception_handler(Exception, problems.on_unexpected)
    if not s.supabase_url:
        app.state.dev_issuer = DevIssuer(s)
        _serve_dev_jwks(app, app.state.dev_issuer)
        app.include_router(dev_router)
    for router in ROUTERS:
        app.include_router(router)
    mount_web_apps(app)
    openapi.install(app)
    return app


def _serve_dev_jwks(app: FastAPI, issuer: DevIssuer) -> None:
    """bayflow's own issuer publishes its key where Supabase Auth would (tokens are then
    verified over HTTP exactly as against Supabase)."""
    jwks = issuer.jwks()

    @app.get(JWKS_PATH, include_in_schema=False)
    async def dev_jwks():
        return jwks


class RequestIdMiddleware:
    """Echo the request id (the caller's `X-Request-ID` or the one the API made) on every response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                rid = scope.get("state", {}).get("request_id")
                if rid:
                    message.setdefault("headers", [])
                    message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            return await send(message)

        return await self.app(scope, receive, send_with_id)
