"""Verification-code extraction: pure functions over decoded text.

Modelled on Android's one-time-code detector: find candidate digit shapes with word boundaries,
drop the shapes that are something else (URLs, dates, times, phone numbers, amounts, reference
numbers), and keep the candidate closest to a "code" word in any of the supported languages.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

# "code", "Code", "Bestätigungscode", "código", "codice", "kod", "koden", "kód", "verifieringskod"...
_CODE_WORD = re.compile(r"(?i)(?:c[oó]di?|k[oóô]d|kóð|kood|код|κωδικ)\w*")
# "FB-56099": Facebook's sign-up prefix.
_PREFIXED = re.compile(r"\bFB-(\d{4,8})\b")
# 4-8 digits, or two or three groups of 3-4 digits ("418 207", "1234 5678").
_CANDIDATE = re.compile(
    r"(?<![\w.,:/#+€$£-])(\d{3,4}(?:[ \u00a0\u202f]\d{3,4}){1,2}|\d{4,8})(?![\w:/%€$£]|[.,]\d)"
)
# Shapes removed before looking for candidates; each is replaced by spaces so offsets stay put.
_NOISE = [
    re.compile(r"(?i)\b(?:https?://|www\.)\S+"),  # URLs, with their form ids
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),  # email addresses
    re.compile(r"\+\d[\d ()./-]{6,}\d"),  # international phone numbers
    re.compile(r"\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b"),  # numeric dates
    re.compile(r"\b\d{1,2}[:.h]\d{2}\b"),  # times
    re.compile(r"(?:[€$£]\s?\d[\d.,]*|\d[\d.,]*\s?(?:€|EUR|USD|GBP|zł|PLN|SEK|kr)\b)"),  # amounts
    # reference / case numbers, in the supported languages
    re.compile(
        r"(?i)\b(?:ref(?:erence|erenz|erencia|erência|erentie)?|case|ticket|ärende|nr|no|id|n[º°o])"
        r"\.?\s*(?:id|nr|number|nummer|numéro|número|numero|numer)?\.?[:#]?\s*\d[\d -]*"
    ),
    # request numbers: "request" alone is not enough ("confirm your request: 123456" is a code)
    re.compile(
        r"(?i)\b(?:request|anfrage|demande|solicitud|richiesta|verzoek|zgłoszeni\w*|pedido)"
        r"\.?\s*(?:id|nr|number|nummer|numéro|número|numero|numer|n[º°o]|#)\.?[:#]?\s*\d[\d -]*"
    ),
    # years and day-month dates written with month names, e.g. "12 September 2024"
    re.compile(r"\b(?:19|20)\d{2}\b"),
]
_MAX_DISTANCE = 160  # characters between a candidate and its context word


@dataclass(frozen=True, slots=True)
class FoundCode:
    """A code and how far (in characters) it stood from its context word."""

    digits: str
    distance: int


def extract_code(subject: str, text: str) -> str | None:
    """Return the verification code in a mail's subject or text, digits only, or None."""
    for source in (subject, text):
        prefixed = _PREFIXED.search(source)
        if prefixed:
            return prefixed.group(1)
    best: FoundCode | None = None
    # The subject gets a head start: "123 456 is your Instagram code" is the clearest signal.
    for source, bonus in ((subject, -1000), (text, 0)):
        found = _closest_candidate(source)
        if found and (best is None or found.distance + bonus < best.distance):
            best = FoundCode(found.digits, found.distance + bonus)
    return best.digits if best else None


# Removing noise only ever blanks characters out, so a text without a "code" word or without
# three digits in a row has no candidate after cleaning either: skip the cleaning.
_THREE_DIGITS = re.compile(r"\d{3}")


def _closest_candidate(text: str) -> FoundCode | None:
    if not _CODE_WORD.search(text) or not _THREE_DIGITS.search(text):
        return None
    cleaned = text
    for pattern in _NOISE:
        cleaned = pattern.sub(lambda m: " " * len(m.group(0)), cleaned)
    words = [m.start() for m in _CODE_WORD.finditer(cleaned)]
    if not words:
        return None
    best: FoundCode | None = None
    for match in _CANDIDATE.finditer(cleaned):
        digits = re.sub(r"\D", "", match.group(1))
        if not 4 <= len(digits) <= 8:
            continue
        distance = _distance_to_nearest(words, match.start(), match.end())
        if distance <= _MAX_DISTANCE and (best is None or distance < best.distance):
            best = FoundCode(digits, distance)
    return best


def _distance_to_nearest(words: list[int], start: int, end: int) -> int:
    """Return how far the span [start, end] is from the nearest word position (sorted list)."""
    i = bisect_left(words, start)
    near = words[max(0, i - 1) : i + 1]
    j = bisect_left(words, end)
    near += words[max(0, j - 1) : j + 1]
    return min(min(abs(start - w), abs(end - w)) for w in near)


_UNIT_MINUTES = {
    "minute": 1, "minuten": 1, "minutes": 1, "minutos": 1, "minuti": 1, "minuto": 1, "min": 1,
    "minut": 1, "minuty": 1, "minuter": 1, "minuterna": 1,
    "hour": 60, "hours": 60, "stunde": 60, "stunden": 60, "heure": 60, "heures": 60,
    "hora": 60, "horas": 60, "ora": 60, "ore": 60, "uur": 60, "godzina": 60, "godziny": 60,
    "godzin": 60, "godzinę": 60, "timme": 60, "timmar": 60, "timmen": 60,
}  # fmt: skip
_WORD_NUMBERS = {"one": 1, "an": 1, "a": 1, "eine": 1, "einer": 1, "une": 1, "una": 1, "un": 1,
                 "één": 1, "een": 1, "jedną": 1, "uma": 1, "um": 1, "en": 1, "ett": 1}  # fmt: skip
_VALIDITY = re.compile(
    r"(?i)(expir|valid|gültig|läuft|ablauf|abläuft|expire|valable|caduc|válid|scad|verloopt|"
    r"geldig|wygas|ważn|expira|giltig|går ut|gäller)"
)
_DURATION = re.compile(r"(?i)\b(\d{1,3}|[a-zéęą]+)\s+(" + "|".join(_UNIT_MINUTES) + r")\b")


def extract_validity_minutes(text: str) -> int | None:
    """Return how long the mail says its code stays valid, in minutes, or None if it doesn't say."""
    for match in _DURATION.finditer(text):
        amount_text, unit = match.group(1).lower(), match.group(2).lower()
        amount = int(amount_text) if amount_text.isdigit() else _WORD_NUMBERS.get(amount_text)
        if not amount:
            continue
        window = text[max(0, match.start() - 80) : match.end() + 40]
        if _VALIDITY.search(window):
            return amount * _UNIT_MINUTES[unit]
    return None
