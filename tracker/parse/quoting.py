"""Meta's notifications that quote people: recognised by their template, never classified.

A comment, a Messenger message, a tag, a group post or a Page message arrives from Meta's own
domain with a valid signature, and quotes whatever the other person wrote, an approval
sentence or six digits included. Such a mail is `other` whatever it quotes. Pure; consulted
before the wording rules (tracker.parse.classify), which it does not touch.
"""

from __future__ import annotations

import re

# Subjects of Meta's people-notifications: someone did something to or with you.
_SUBJECT = re.compile(
    r"(?i)"
    # English
    r"\bcommented on\b|\breplied to\b|\bmentioned you\b|\btagged you\b|\bsent you an? "
    r"(message|photo|video|voice)|\bnew messages? (from|on your page)\b|\bmessaged you\b|"
    r"\bposted in\b|\bwrote on your\b|\breacted to\b|\bshared your\b|\bwent live\b|"
    r"\bhas a new message\b|\bnew comments? on\b|\bliked your\b|"
    # German
    r"\bhat (deinen|deine|dein|ihren|ihre|ihr) \w+ kommentiert|\bhat dich (in|auf) .{0,60} "
    r"markiert|\bhat dir eine nachricht|\bneue nachricht von\b|\bhat in .{0,80} gepostet|"
    # French
    r"\ba commenté\b|\bvous a identifié|\bt'a identifié|\bvous a envoyé un message|"
    r"\bnouveau message de\b|\ba publié dans\b|"
    # Spanish, Portuguese
    r"\bcomentó\b|\bte etiquetó\b|\bte envió un mensaje\b|\bnuevo mensaje de\b|\bpublicó en\b|"
    r"\bcomentou\b|\bmarcou você\b|\benviou uma mensagem\b|"
    # Italian, Dutch, Polish, Swedish
    r"\bha commentato\b|\bti ha taggato\b|\bti ha inviato un messaggio\b|\bha pubblicato in\b|"
    r"\bheeft gereageerd op\b|\bheeft je getagd\b|\bheeft je een bericht\b|"
    r"\bskomentował\w*\b|\boznaczył\w* cię\b|\bwysłał\w* ci wiadomość\b|"
    r"\bkommenterade\b|\btaggade dig\b|\bskickade ett meddelande\b"
)
# Lines Meta puts under quoted text: answering by email posts the answer.
_BODY = re.compile(
    r"(?i)\breply to this (e-?mail|message) to (comment|reply|respond)\b|"
    r"\bantworte auf diese e-mail, um\b|\brépondez à cet e-mail pour\b|"
    r"\bresponde a este correo para\b|\brispondi a questa e-mail per\b"
)
# The quoted template is in the first lines; looking further costs time for nothing.
_BODY_CHARS = 4000


def quotes_people(subject: str, text: str) -> bool:
    """Return True if the mail is Meta's notification of what a person wrote or did."""
    return bool(_SUBJECT.search(subject[:1024]) or _BODY.search(text[:_BODY_CHARS]))
