"""A real HTTP server on 127.0.0.1 for what the code under test calls over the network (JWKS, webhook
receivers, LLM providers)."""
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that does not log every request to stderr."""

    def log_message(self, *args) -> None:
        pass


class LocalServer:
    """`handler` served on a free port of 127.0.0.1 from a daemon thread until `close()`."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        # a short poll: close() waits for the serving loop to notice, up to one interval
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> "LocalServer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Receiver:
    """An HTTP receiver on 127.0.0.1 whose answers are scripted per request:
    an int (status code) or "hang" (never answers within the client's timeout)."""

    def __init__(self, script: list, default=200) -> None:
        self.script = list(script)
        self.default = default
        self.requests: list[dict] = []
        self.release = threading.Event()
        receiver = self

        class Handler(QuietHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"headers": dict(self.headers), "body": body, "at": time.time()})
                answer = receiver.script.pop(0) if receiver.script else receiver.default
                if answer == "hang":
                    receiver.release.wait(30)
                    return
                self.send_response(answer)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = LocalServer(Handler)
        self.url = f"{self.server.url}/hook"

    def close(self) -> None:
        self.release.set()
        self.server.close()
