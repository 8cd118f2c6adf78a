"""Enrichment without a model: patterns for the asset details and cue words for urgency."""
import re

from gateway.canned import Catalogue, match_canned_jobs
from gateway.schemas import Asset, Enrichment

_MAKES = {
    "toyota": "Toyota", "honda": "Honda", "ford": "Ford", "chevrolet": "Chevrolet", "chevy": "Chevrolet",
    "nissan": "Nissan", "bmw": "BMW", "mercedes": "Mercedes-Benz", "volkswagen": "Volkswagen", "vw": "Volkswagen",
    "subaru": "Subaru", "hyundai": "Hyundai", "kia": "Kia", "mazda": "Mazda", "jeep": "Jeep", "ram": "Ram",
    "dodge": "Dodge", "gmc": "GMC", "tesla": "Tesla", "audi": "Audi", "volvo": "Volvo", "lexus": "Lexus",
    "skoda": "Skoda", "peugeot": "Peugeot", "renault": "Renault", "vauxhall": "Vauxhall", "fiat": "Fiat",
    "mitsubishi": "Mitsubishi", "isuzu": "Isuzu", "freightliner": "Freightliner", "kenworth": "Kenworth",
    "peterbilt": "Peterbilt", "mack": "Mack", "caterpillar": "Caterpillar", "cat": "Caterpillar",
    "deere": "John Deere", "bobcat": "Bobcat", "kubota": "Kubota", "komatsu": "Komatsu", "jcb": "JCB",
    "hyster": "Hyster", "yale": "Yale", "linde": "Linde", "crown": "Crown", "genie": "Genie",
    "harley": "Harley-Davidson",
}
_EQUIPMENT = re.compile(r"\b(forklift|fork truck|lift truck|excavator|loader|skid steer|backhoe|telehandler|"
                        r"scissor lift|boom lift|reach truck|pallet truck|tractor|dozer|generator)\b", re.I)
_KINDS = [("truck", r"\b(pickup|truck|semi|lorry|f-?\d50|silverado|sierra|tacoma|tundra|ranger|maverick|frontier|"
                   r"ram \d{4})\b"),
          ("van", r"\b(van|sprinter|transit)\b"),
          ("motorcycle", r"\b(motorcycle|motorbike)\b")]
_MAKE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _MAKES), key=len, reverse=True)) + r")\b", re.I)
_MODEL_WORD = re.compile(r"\s+([A-Za-z0-9][A-Za-z0-9-]*)")
_NOT_MODELS = frozenset({"with", "has", "is", "needs", "that", "and", "for", "due", "making", "won't", "wont", "fleet"})
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-2]\d|2030)\b")  # the range Asset.year accepts
_VIN = re.compile(r"\b(?=[A-HJ-NPR-Z0-9]*\d)(?=[A-HJ-NPR-Z0-9]*[A-HJ-NPR-Z])[A-HJ-NPR-Z0-9]{17}\b|\[VIN_\d+\]")
_PLATE = re.compile(r"(?i:\b(?:plate|reg|registration|tag)\b(?:\s+(?:no\.?|number|#))?[\s:#]+)"
                    r"([A-Z0-9][A-Z0-9 -]{1,8}[A-Z0-9]\b|\[PLATE_\d+\])")
_MILEAGE = re.compile(r"\b(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(k\b)?\s*"
                      r"(miles|mi|km|kms|kilometers|kilometres|hours|hrs|h)\b", re.I)
_URGENCY = [
    ("critical", r"\b(stranded|towed|tow truck|no brakes|unsafe|smoke|fire|won'?t stop|emergency|broke down|"
                 r"(machine|line|truck) (is )?down)\b"),
    ("high", r"\b(asap|urgent|today|tonight|before the|closes at|won'?t start|no start|grinding|overheating|"
             r"running hot|temp gauge high|burst|blown|leaking|slipping|harsh|flashing|loss of power|limp|keeps dying|"
             r"check engine light (came|is) on|light on|not charging)\b"),
    ("low", r"\b(no rush|whenever|when convenient|routine|next week|annual|scheduled|due for|due an?|"
            r"planned maintenance|hour service|pm service|winter tyre|winter tire|service interval)\b"),
]
_PRIORITY = {"critical": 5, "high": 4, "normal": 3, "low": 2}


def rule_enrichment(description: str, jobs: Catalogue) -> Enrichment:
    match = match_canned_jobs(description, jobs)
    urgency = next((level for level, cue in _URGENCY if re.search(cue, description, re.I)), "normal")
    summary = match.jobs[0].name if match else description.strip().split(".")[0][:200]
    return Enrichment(category=match.jobs[0].category if match else "other", urgency=urgency,
                      suggested_priority=_PRIORITY[urgency], asset=_asset(description), summary=summary)


def _asset(text: str) -> Asset:
    make = _MAKE.search(text)
    year = _YEAR.search(text)
    vin = _VIN.search(text)
    plate = _PLATE.search(text)
    mileage = _MILEAGE.search(text)
    miles = unit = None
    if mileage:
        number = float(mileage.group(1).replace(",", "")) * (1000 if mileage.group(2) else 1)
        miles = int(number)
        unit = {"m": "mi", "k": "km", "h": "h"}[mileage.group(3)[0].lower()]
    kind = "equipment" if _EQUIPMENT.search(text) else next(
        (k for k, cue in _KINDS if re.search(cue, text, re.I)), "car" if make else None)
    return Asset(kind=kind, make=_MAKES[make.group(1).lower()] if make else None,
                 model=_model_after(text, make.end()) if make else None,
                 year=int(year.group(1)) if year else None, vin=vin.group(0) if vin else None,
                 plate=plate.group(1) if plate else None, mileage=miles, mileage_unit=unit)


def _model_after(text: str, position: int) -> str | None:
    """The model name after a make: the next capitalised word, else a word with a digit within three words."""
    following = []
    for _ in range(3):
        word = _MODEL_WORD.match(text, position)
        if not word:
            break
        following.append(word.group(1))
        position = word.end()
    if following and following[0][0].isupper() and following[0].lower() not in _NOT_MODELS:
        return following[0]
    return next((w for w in following if any(c.isdigit() for c in w) and not _YEAR.fullmatch(w)), None)
