"""The machine's RabbitMQ (127.0.0.1:5672), which the scale-out and conformance tests use when it runs."""
import socket


def rabbitmq_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=1).close()
        return True
    except OSError:
        return False
