"""Meta's wording, as data: one module per language, each defining `RULES`.

Every pattern is a regular expression over normalised text (lower-cased, NFKC, plain quotes),
matched one sentence at a time where a kind depends on a sentence's meaning. Adding a language
is adding a module here, listing it in `LANGUAGE_CODES`, and adding its samples under
`sample_emails/languages/<code>/`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, fields


@dataclass(frozen=True, slots=True)
class LanguageRules:
    """Regular expressions (lower-case text, one sentence at a time) for one language."""

    name: str  # the language's English name, for people
    # Short function words ("the your and" ...), space-separated: which languages a mail is in.
    words: str
    ai_at_meta: str  # names the AI-at-Meta programme
    objection: str  # names the objection itself
    request: str  # a generic "your request" (decisions are often worded about the request)
    right_to_object: str  # offers the right to object (notices)
    approve: str  # in a sentence with `objection`/`request`: it will be honoured
    decline: str  # in a sentence with `objection`/`request`: it will not be honoured
    acknowledge: str  # received or under review, no decision yet
    info_requested: str  # Meta needs more from the user (reply to this mail)
    conditional: str  # "if ...": the sentence describes a possibility, not a decision
    login: str  # a code mail about signing in, signing up, passwords, new devices
    case_word: str  # the words before a case or reference number
    # "We don't automatically fulfil requests sent using this form": neither a yes nor a no.
    not_automatic: str
    # Meta mail that names AI at Meta but is not about objecting (the 2025 ads notice).
    not_flow: str = r"(?!x)x"


RULE_FIELDS: tuple[str, ...] = tuple(
    f.name for f in fields(LanguageRules) if f.name not in ("name", "words")
)

# ISO 639-1 codes of every built-in language: the 24 official EU languages, Icelandic and
# Norwegian (Bokmål). Regional usage (en-GB/en-US, pt-PT/pt-BR, Swiss German, French and
# Italian) is covered inside its language's module.
LANGUAGE_CODES: tuple[str, ...] = (
    "bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu",
    "is", "it", "lt", "lv", "mt", "nb", "nl", "pl", "pt", "ro", "sk", "sl", "sv",
)  # fmt: skip


def load_languages() -> dict[str, LanguageRules]:
    """Return every built-in language's rules, by language code."""
    return {
        code: importlib.import_module(f"tracker.parse.rules.{code}").RULES
        for code in LANGUAGE_CODES
    }
