"""Replace personal data with placeholders before text leaves, and put it back in results.

Two sources: the record's known values (customer name and its parts, phone, email,
VIN, plate — matched loosely, ignoring case and separators) and patterns for values
the record does not hold (emails, phone numbers, VINs, plates after a cue word,
names after a title or a cue like "customer:"). Equal values share one placeholder.
"""
import re
from dataclasses import dataclass, field
from typing import Any

from gateway.shop import WorkOrder

_EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
_PHONE = r"(?<![\w+])\+?\d{0,3}[\s.-]?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?!\w)"
_VIN = r"\b(?=[A-HJ-NPR-Z0-9]*\d)(?=[A-HJ-NPR-Z0-9]*[A-HJ-NPR-Z])[A-HJ-NPR-Z0-9]{17}\b"
_PLATE = (r"(?i:\b(?:plate|plates|reg|registration|tag|licen[cs]e)\b(?:\s+(?:no\.?|number|#))?[\s:#]+)"
          r"([A-Z0-9][A-Z0-9 -]{1,8}[A-Z0-9])\b")
_NAME = (r"(?:\b(?:Mr|Mrs|Ms|Miss|Dr)\.?\s+|(?i:\b(?:customer|owner|contact|driver|name is|ask for|call)\b)[\s:,-]+)"
         r"([A-Z][a-z]+(?:[ '-][A-Z][a-z]+)?)")

_PATTERNS = [("EMAIL", re.compile(_EMAIL)), ("VIN", re.compile(_VIN)), ("PHONE", re.compile(_PHONE)),
             ("PLATE", re.compile(_PLATE)), ("NAME", re.compile(_NAME))]
_PLACEHOLDER = re.compile(r"\[(?:NAME|PHONE|EMAIL|VIN|PLATE)_\d+\]")
# Capitalised words after a cue ("Call Today", "ask for Back-up") that are not names.
_NOT_NAMES = frozenset({"Back", "Me", "Us", "The", "When", "If", "Before", "After", "Asap", "Today", "Tomorrow"})


@dataclass
class Redaction:
    """The redacted text and the placeholder -> original mapping needed to restore results."""

    text: str
    originals: dict[str, str] = field(default_factory=dict)

    def restore(self, value: Any) -> Any:
        """`value` (str, or lists/dicts of them) with placeholders replaced by the originals."""
        if isinstance(value, str):
            return _PLACEHOLDER.sub(lambda m: self.originals.get(m.group(0), m.group(0)), value)
        if isinstance(value, list):
            return [self.restore(v) for v in value]
        if isinstance(value, dict):
            return {k: self.restore(v) for k, v in value.items()}
        return value


class _Placeholders:
    def __init__(self) -> None:
        self.by_value: dict[tuple[str, str], str] = {}
        self.originals: dict[str, str] = {}
        self.counts: dict[str, int] = {}

    def get(self, kind: str, original: str) -> str:
        norm = (kind, re.sub(r"[\W_]+", "", original).lower())
        token = self.by_value.get(norm)
        if token is None:
            self.counts[kind] = self.counts.get(kind, 0) + 1
            token = f"[{kind}_{self.counts[kind]}]"
            self.by_value[norm] = token
            self.originals[token] = original
        return token


def _pattern_for(kind: str, value: str) -> str:
    """A pattern for a known value: separators between characters are optional for
    phones, VINs and plates; names and emails match exactly (ignoring case and spacing)."""
    if kind in ("EMAIL", "NAME"):
        body = r"\s+".join(re.escape(word) for word in value.split())
    else:
        body = r"[\s().+-]*".join(re.escape(c) for c in value if c.isalnum())
        body = (r"\+?" + body) if kind == "PHONE" else body
    return r"(?<![\w@.+])" + body + r"(?![\w@])"


def _known_values(order: WorkOrder) -> list[tuple[str, str]]:
    known = [("EMAIL", order.email), ("VIN", order.vin), ("PLATE", order.plate), ("PHONE", order.phone)]
    if order.phone:
        digits = re.sub(r"\D", "", order.phone)
        if len(digits) > 10:  # also without the country code
            known.append(("PHONE", digits[-10:]))
    if order.customer_name:
        known.append(("NAME", order.customer_name))
        known += [("NAME", part) for part in order.customer_name.split() if len(part) > 2]
    # Longest first, so a full name wins over its parts.
    known = [(k, v.strip()) for k, v in known if v and any(c.isalnum() for c in v)]
    return sorted(known, key=lambda kv: -len(kv[1]))


def redact(order: WorkOrder, text: str | None = None) -> Redaction:
    """Redact `text` (default: the order's description) using the order's known values and patterns."""
    text = order.description if text is None else text
    tokens = _Placeholders()
    known = _known_values(order)
    if known:
        alternation = "|".join(f"(?P<k{i}>{_pattern_for(k, v)})" for i, (k, v) in enumerate(known))
        pattern = re.compile(alternation, re.IGNORECASE)

        def known_sub(m: re.Match) -> str:
            index = int(m.lastgroup[1:])
            kind, value = known[index]
            return tokens.get(kind, order.phone if kind == "PHONE" else value)

        text = pattern.sub(known_sub, text)
    for kind, pattern in _PATTERNS:
        text = pattern.sub(lambda m, kind=kind: _replace(m, kind, tokens), text)
    return Redaction(text=text, originals=tokens.originals)


def _replace(match: re.Match, kind: str, tokens: _Placeholders) -> str:
    if match.lastindex:  # cue-word patterns: keep the cue, replace the captured value
        value = match.group(1)
        if value in _NOT_NAMES:
            return match.group(0)
        return match.group(0)[: match.start(1) - match.start(0)] + tokens.get(kind, value)
    return tokens.get(kind, match.group(0))
