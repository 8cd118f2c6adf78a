"""Redaction cost per work order over the golden set (bar: ~0.2 ms per record).

    .venv/bin/python bench/gateway_redaction.py
"""
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gateway.evaluation import load_golden  # noqa: E402
from gateway.redaction import redact  # noqa: E402


def main(rounds: int = 200) -> None:
    _, cases = load_golden(ROOT / "seeds" / "golden")
    orders = [c.work_order for c in cases]
    with_pii = [o for o in orders if o.customer_name or o.phone or o.email or o.vin or o.plate]
    for label, sample in (("all golden orders", orders), ("orders with PII fields", with_pii)):
        best = float("inf")
        for _ in range(5):
            started = time.perf_counter()
            for _ in range(rounds):
                for order in sample:
                    redact(order)
            best = min(best, (time.perf_counter() - started) / (rounds * len(sample)))
        print(f"{label:<24} {len(sample):>3} records  {best * 1000:.3f} ms per record (best of 5 x {rounds} rounds)")


if __name__ == "__main__":
    main()
