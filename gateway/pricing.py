"""US dollars per million tokens (input, output) for the models the gateway knows.

A model missing here is still callable; its calls record a null cost.
"""
from decimal import Decimal

PRICES_PER_MTOK: dict[str, tuple[Decimal, Decimal]] = {
    "claude-sonnet-5": (Decimal("2"), Decimal("10")),
    "claude-sonnet-4-6": (Decimal("3"), Decimal("15")),
    "claude-sonnet-4-5": (Decimal("3"), Decimal("15")),
    "claude-haiku-4-5": (Decimal("1"), Decimal("5")),
    "claude-opus-4-1": (Decimal("15"), Decimal("75")),
    "gpt-4.1": (Decimal("2"), Decimal("8")),
    "gpt-4.1-mini": (Decimal("0.40"), Decimal("1.60")),
    "gpt-4.1-nano": (Decimal("0.10"), Decimal("0.40")),
    "gpt-4o-mini": (Decimal("0.15"), Decimal("0.60")),
}


def cost_usd(model: str, tokens_in: int, tokens_out: int) -> Decimal | None:
    price = PRICES_PER_MTOK.get(model)
    if price is None:
        return None
    return ((price[0] * tokens_in + price[1] * tokens_out) / 1_000_000).quantize(Decimal("0.000001"))
