"""The two front ends, served as static files by the API itself (one origin, no CORS):
the dispatcher board (Next.js `output: 'export'`, `board/out`) at `/board` and the technician
app (Expo web export, `tech/dist`) at `/tech`. `make web` builds both; `/` leads to the board."""
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from starlette.exceptions import HTTPException
from starlette.staticfiles import StaticFiles

from api.problems import problem_response
from bayflow.paths import ROOT

WEB_APPS = {"/board": ROOT / "board" / "out", "/tech": ROOT / "tech" / "dist"}


class SinglePageApp(StaticFiles):
    """Static files; a path that names no file (a client-side route like `/tech/task/42`) gets
    the app's `index.html`, so a reload or a shared link opens the app there."""

    async def get_response(self, path: str, scope):
        try:
            return await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404 or "." in Path(path).name:
                raise
            return await super().get_response("index.html", scope)


def mount_web_apps(app: FastAPI) -> None:
    for prefix, folder in WEB_APPS.items():
        if folder.is_dir():
            app.mount(prefix, SinglePageApp(directory=folder, html=True), name=prefix.strip("/"))
        else:
            _not_built(app, prefix)

    @app.get("/", include_in_schema=False)
    async def home():
        return RedirectResponse("/board/")


def _not_built(app: FastAPI, prefix: str) -> None:
    async def missing():
        return problem_response(404, "Not built", f"{prefix} is not built: run `make web`")

    app.add_api_route(prefix, missing, include_in_schema=False)
    app.add_api_route(prefix + "/{path:path}", missing, include_in_schema=False)
