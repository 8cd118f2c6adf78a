"""Job columns derived from a message's options, its actor's options and the Retries middleware."""
from dramatiq import Message, get_broker
from dramatiq.errors import ActorNotFound
from dramatiq.middleware import Retries

#: Lost claims allowed when neither the message, its actor nor Retries give a number of retries.
DEFAULT_MAX_RETRIES = 20


def _actor_options(message: Message) -> dict:
    try:
        return get_broker().get_actor(message.actor_name).options
    except ActorNotFound:
        return {}


def priority(message: Message) -> int:
    """Lower runs first, as dramatiq's actor priority; a message option overrides its actor's."""
    if "priority" in message.options:
        return int(message.options["priority"])
    try:
        return get_broker().get_actor(message.actor_name).priority
    except ActorNotFound:
        return 0


def max_attempts(message: Message) -> int:
    """Claims a job may lose to dead workers (expired leases) before it fails: max_retries + 1.

    Attempts are counted at claim, so a job that kills its worker every time still ends
    `failed`. Exceptions are not capped by this: the Retries middleware decides about
    them (max_retries, retry_when), and the claims ending in a requested retry do not
    count as lost. max_retries=None (retry for ever) gets Retries' own max_retries here.
    """
    max_retries = message.options.get("max_retries", _actor_options(message).get("max_retries"))
    if max_retries is None:
        retries = next((m for m in get_broker().middleware if isinstance(m, Retries)), None)
        max_retries = retries.max_retries if retries and retries.max_retries is not None else DEFAULT_MAX_RETRIES
    return int(max_retries) + 1
