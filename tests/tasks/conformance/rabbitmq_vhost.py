"""A RabbitMQ virtual host of the conformance run's own: dramatiq's tests use queue names ("default")
that bayflow's other RabbitMQ tests and workers use too, and another run consuming them would take
the tests' messages."""
import shutil
import subprocess
from urllib.parse import quote, urlsplit, urlunsplit

import pika
import pika.exceptions

VHOST = "bayflow-conformance"


def vhost_url(base_url: str) -> str:
    """`base_url` on VHOST, which is created (rabbitmqctl, as on the machine's own RabbitMQ) if missing.

    Without rabbitmqctl (RabbitMQ on another host) the base URL's vhost is shared instead.
    """
    parts = urlsplit(base_url)
    url = urlunsplit(parts._replace(path="/" + quote(VHOST, safe="")))
    if _reachable(url):
        return url
    rabbitmqctl = shutil.which("rabbitmqctl")
    if rabbitmqctl is None:
        return base_url
    user = parts.username or "guest"
    for argv in (["add_vhost", VHOST], ["set_permissions", "-p", VHOST, user, ".*", ".*", ".*"]):
        subprocess.run([rabbitmqctl, *argv], check=True, capture_output=True, timeout=120)
    return url


def _reachable(url: str) -> bool:
    try:
        pika.BlockingConnection(pika.URLParameters(url)).close()
        return True
    except pika.exceptions.AMQPConnectionError:
        return False
