"""Decide what a message is: kind, platform, account and trust, from headers and decoded text.

The wording rules are data, one entry per language, so a new language or a reworded round of
Meta's emails is a change to the tables below and a sample in sample_emails/, not to the logic.
Matching is done sentence by sentence on lower-cased text, because a notice says "if your
objection is honoured" and must not count as an approval.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tracker.domain import (
    META_BASE_DOMAINS,
    META_EXACT_DOMAINS,
    OBJECTION_FORMS,
    THIRD_PARTY_DATA_FORM,
    CodePurpose,
    CustomRule,
    Kind,
    Platform,
)
from tracker.parse.rules import LanguageRules, load_languages

try:  # CPython's regex parser, to bound a pattern's first characters; private, so guarded:
    import re._parser as _sre_parser  # a renamed module costs the lookahead's speed, nothing else
except ImportError:  # pragma: no cover - only on a Python that moved it
    _sre_parser = None  # type: ignore[assignment]


def platform_of_domain(domain: str | None) -> Platform | None:
    """Return the platform a Meta sending domain belongs to, or None for any other domain."""
    if not domain:
        return None
    domain = domain.lower().rstrip(".")
    if domain in META_EXACT_DOMAINS:
        return META_EXACT_DOMAINS[domain]
    for base, platform in META_BASE_DOMAINS.items():
        if domain == base or domain.endswith("." + base):
            return platform
    return None


LANGUAGES: dict[str, LanguageRules] = load_languages()


@dataclass(frozen=True, slots=True)
class _CompiledRules:
    ai_at_meta: re.Pattern[str]
    objection: re.Pattern[str]
    request: re.Pattern[str]
    right_to_object: re.Pattern[str]
    approve: re.Pattern[str]
    decline: re.Pattern[str]
    acknowledge: re.Pattern[str]
    info_requested: re.Pattern[str]
    conditional: re.Pattern[str]
    login: re.Pattern[str]
    case_word: re.Pattern[str]
    not_automatic: re.Pattern[str]
    not_flow: re.Pattern[str]


def _union(field: str, languages: Iterable[str] = LANGUAGES) -> re.Pattern[str]:
    return _compile_with_first_chars(
        "|".join(f"(?:{getattr(LANGUAGES[code], field)})" for code in languages)
    )


@functools.lru_cache(maxsize=128)
def rules_for(languages: frozenset[str]) -> _CompiledRules:
    """Return the rules of these languages only, compiled (all languages for an empty set).

    Twenty-six languages in one union made every search try ~80 alternatives at each
    position; a mail is written in one or two of them, and its AI, objection and request
    words say which.
    """
    chosen = sorted(languages) if languages else list(LANGUAGES)
    return _CompiledRules(*(_union(f, chosen) for f in _CompiledRules.__slots__))  # type: ignore[arg-type]


def _compile_with_first_chars(pattern: str) -> re.Pattern[str]:
    """Return `pattern` compiled behind a lookahead for the characters a match can start with.

    A union of nine languages' alternatives, most starting with \\b, would otherwise be tried
    branch by branch at every position of the text; the lookahead rejects most positions with
    one character test. It matches exactly where `pattern` does: the set is worked out from
    the parsed pattern, and a pattern whose first character cannot be bounded is left alone.
    """
    try:
        first = _first_chars(pattern) if _sre_parser is not None else None
    except Exception:  # the regex parser is CPython-internal: if it ever changes, lose only speed
        first = None
    if not first:
        return re.compile(pattern)
    chars = "".join(re.escape(c) for c in sorted(first))
    return re.compile(f"(?=[{chars}])(?:{pattern})")


def _first_chars(pattern: str) -> frozenset[str] | None:
    """Return every character a match of `pattern` can start with; None if that is unbounded."""
    parsed = _sre_parser.parse(pattern)
    if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    chars, nullable = _first_of(list(parsed))
    return None if chars is None or nullable else frozenset(chars)


def _first_of(items: list[tuple[Any, Any]]) -> tuple[set[str] | None, bool]:
    """(possible first characters or None for any, whether `items` can match the empty string)."""
    c = _sre_parser
    chars: set[str] = set()
    for op, arg in items:
        if op is c.AT or op in (c.ASSERT, c.ASSERT_NOT):
            continue  # zero-width: the next item decides the first character
        if op is c.LITERAL:
            chars.add(chr(arg))
            return chars, False
        if op is c.IN:
            members = _class_members(arg)
            if members is None:
                return None, False
            return chars | members, False
        if op is c.SUBPATTERN:
            _group, add_flags, _del_flags, sub = arg
            if add_flags:
                return None, False
            found, nullable = _first_of(list(sub))
        elif op is c.BRANCH:
            found, nullable = set(), False
            for alternative in arg[1]:
                alt_chars, alt_nullable = _first_of(list(alternative))
                if alt_chars is None:
                    return None, False
                found |= alt_chars
                nullable = nullable or alt_nullable
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, _high, sub = arg
            found, nullable = _first_of(list(sub))
            nullable = nullable or low == 0
        else:  # any character, a back-reference, a category...: no useful bound
            return None, False
        if found is None:
            return None, False
        chars |= found
        if not nullable:
            return chars, False
    return chars, True


def _class_members(items: list[tuple[Any, Any]]) -> set[str] | None:
    c = _sre_parser
    members: set[str] = set()
    for op, arg in items:
        if op is c.LITERAL:
            members.add(chr(arg))
        elif op is c.RANGE and arg[1] - arg[0] <= 512:
            members.update(chr(i) for i in range(arg[0], arg[1] + 1))
        else:  # negated classes, \\w and other categories
            return None
    return members


# Which languages a mail is written in, from its short function words: one pass over its words
# instead of every language's rules over its text.
_LANGUAGES_OF_WORD: dict[str, tuple[str, ...]] = {}
for _code, _rules in LANGUAGES.items():
    for _word in _rules.words.split():
        _LANGUAGES_OF_WORD[_word] = (*_LANGUAGES_OF_WORD.get(_word, ()), _code)
_WORD = re.compile(r"\w+")
_MAX_LANGUAGES = 4
_SENTENCE_END = re.compile(r"(?<=[.!?。])\s+|\n\s*\n|\n(?=\s*[-•*])")
# The Oct 2025 notice about ads and Meta AI offers no objection; these phrases mark Meta's
# non-objection mail that nonetheless talks about AI.
_PLATFORM_WORDS: tuple[tuple[Platform, re.Pattern[str]], ...] = (
    (
        "threads",
        _compile_with_first_chars(
            r"\bthreads (code|account|konto|compte|cuenta|conta)\b|your threads"
        ),
    ),
    (
        "whatsapp",
        _compile_with_first_chars(r"\bwhatsapp (code|account|konto|compte|cuenta|conta)\b"),
    ),
)


def normalise(text: str) -> str:
    """Return `text` lower-cased, with typographic quotes and spaces made plain."""
    text = unicodedata.normalize("NFKC", text).lower()
    return text.replace("\u2019", "'").replace("\u2018", "'").replace("\u00ad", "")


def split_sentences(text: str) -> list[str]:
    """Return the sentences of normalised `text`, each with its whitespace collapsed."""
    sentences = []
    for chunk in _SENTENCE_END.split(text):
        sentence = " ".join(chunk.split())
        if sentence:
            sentences.append(sentence)
    return sentences


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a mail is, and for `unrecognised` mail why it was doubtful."""

    kind: Kind
    reason: str | None = None


def classify_kind(subject: str, text: str, *, has_code: bool) -> Kind:
    """Return what a message from Meta is about, from its subject and decoded text."""
    return classify_message(subject, text, has_code=has_code, trusted=False).kind


def classify_message(
    subject: str,
    text: str,
    *,
    has_code: bool,
    trusted: bool,
    links: Links | None = None,
    custom_rules: tuple[CustomRule, ...] = (),
    languages: frozenset[str] | None = None,
) -> Verdict:
    """Return what a message from Meta is, from its wording first and then from other evidence.

    Order of evidence: the user's own `[[rule]]`s; a decision sentence; a request for more
    information; a code; a notice's wording; an acknowledgement; then evidence that does not
    depend on wording (a link to an objection form with the AI-at-Meta term is a notice). A
    trusted mail with flow evidence that none of this explains is `unrecognised`. Only the
    rules of the languages the mail is written in are tried (`languages`, else detected).
    """
    links = links or Links()
    whole = normalise(subject + "\n\n" + text)
    if languages is None:
        languages = detect_languages(whole)
    for rule in custom_rules:
        if _custom_applies(rule, whole, languages):
            return Verdict(rule.kind)
    rules = rules_for(languages)
    kind = _kind_from_wording(whole, rules, has_code=has_code)
    if kind != "other":
        return Verdict(kind)
    has_ai_term = rules.ai_at_meta.search(whole) is not None
    if links.objection_form and has_ai_term:
        return Verdict("notice")
    if not trusted:
        return Verdict("other")
    reason = _doubt(whole, links, rules, has_ai_term=has_ai_term)
    return Verdict("unrecognised", reason) if reason else Verdict("other")


def _kind_from_wording(whole: str, rules: _CompiledRules, *, has_code: bool) -> Kind:
    names_flow = rules.objection.search(whole) or rules.request.search(whole)
    if names_flow:
        # Whole-text checks first: most mails never need the sentence-by-sentence pass.
        may_decline = rules.decline.search(whole) is not None
        may_approve = rules.approve.search(whole) is not None
        if may_decline or may_approve:
            decided = [
                s
                for s in split_sentences(whole)
                if (rules.objection.search(s) or rules.request.search(s))
                and not rules.conditional.search(s)
                and not rules.not_automatic.search(s)
            ]
            if may_decline and any(rules.decline.search(s) for s in decided):
                return "rejected"
            if may_approve and any(rules.approve.search(s) for s in decided):
                return "approved"
    if rules.info_requested.search(whole) and (names_flow or rules.case_word.search(whole)):
        return "info_requested"
    if has_code:
        return "code"
    if rules.ai_at_meta.search(whole) and rules.right_to_object.search(whole):
        return "notice"
    if names_flow and rules.acknowledge.search(whole):
        return "received"
    return "other"


def _doubt(whole: str, links: Links, rules: _CompiledRules, *, has_ai_term: bool) -> str | None:
    """Return why a trusted mail that matched no rule may still belong to the flow, or None."""
    if links.objection_form:
        return "links to an objection form but matched no rule"
    if links.flow_page:
        return "links to Meta's AI privacy pages but matched no rule"
    if rules.objection.search(whole):
        return "mentions an objection but matched no rule"
    if has_ai_term and not rules.not_flow.search(whole):
        return "names AI at Meta but matched no rule"
    return None


def _custom_applies(rule: CustomRule, whole: str, languages: frozenset[str]) -> bool:
    if rule.language is not None and rule.language not in languages:
        return False
    return _custom_pattern(rule.pattern).search(whole) is not None


@functools.lru_cache(maxsize=256)
def _custom_pattern(pattern: str) -> re.Pattern[str]:
    # Validated when the configuration was loaded; matched on lower-cased text, so any case.
    return re.compile(pattern, re.IGNORECASE)


def detect_languages(whole: str) -> frozenset[str]:
    """Return the languages normalised text is most likely in (empty: it could be any).

    A language counts when at least two of its function words occur (one, for a text too
    short to have two); at most the four best are kept.
    """
    counts: dict[str, int] = {}
    for word in set(_WORD.findall(whole)).intersection(_LANGUAGES_OF_WORD):
        for code in _LANGUAGES_OF_WORD[word]:
            counts[code] = counts.get(code, 0) + 1
    if not counts:
        return frozenset()
    scores = [(score, code) for code, score in counts.items()]
    best = max(score for score, _ in scores)
    floor = 2 if best >= 2 else 1
    ranked = sorted((s for s in scores if s[0] >= floor), key=lambda s: (-s[0], s[1]))
    return frozenset(code for _, code in ranked[:_MAX_LANGUAGES])


def classify_code_purpose(subject: str, text: str) -> CodePurpose:
    """Return why a code was sent: `login` when the mail says sign-in, sign-up, password...;
    `objection` when it names the objection or AI at Meta; otherwise `unknown`."""
    whole = normalise(subject + "\n" + text)
    rules = rules_for(detect_languages(whole))
    if rules.login.search(normalise(subject)):
        return "login"
    if rules.ai_at_meta.search(whole) or rules.objection.search(whole):
        return "objection"
    if rules.login.search(whole):
        return "login"
    return "unknown"


def is_objection_related(subject: str, text: str) -> bool:
    """Return True if the mail talks about an AI-training objection (for a code's purpose)."""
    return classify_code_purpose(subject, text) == "objection"


@dataclass(frozen=True, slots=True)
class Links:
    """Links in a Meta mail that are evidence of the objection flow."""

    objection_form: str | None = None  # a help/contact objection form (not third-party data)
    flow_page: str | None = None  # the third-party-data form or the AI privacy-centre page


_FORM_LINK = re.compile(
    r"https?://(?:[\w-]+\.)*(?:facebook|instagram)\.com/(?:help/(?:instagram/)?)?contact/(\d{6,20})"
)
_FLOW_PAGE = re.compile(
    r"https?://(?:[\w-]+\.)*(?:facebook\.com/privacy/genai|privacycenter\.instagram\.com/genai)"
    r"/?(?=[\s\"'<>?#)]|$)"
)


def extract_links(*texts: str) -> Links:
    """Return the objection form and flow pages linked from a mail's text or raw HTML."""
    form = page = None
    for text in texts:
        if "contact/" in text:
            for match in _FORM_LINK.finditer(text):
                if match.group(1) in OBJECTION_FORMS:
                    form = form or match.group(0)
                elif match.group(1) == THIRD_PARTY_DATA_FORM:
                    page = page or match.group(0)
        if page is None and "genai" in text:
            found = _FLOW_PAGE.search(text)
            page = found.group(0) if found else None
    return Links(form, page)


_REFERENCE = re.compile(r"\s*[:#]?\s*(?:n[ºo°.]\s*)?([a-z0-9][a-z0-9-]{2,30}[0-9][a-z0-9-]*)")


def extract_reference(text: str) -> str | None:
    """Return the case or reference number a mail names ("Case number: 10293847"), or None."""
    whole = normalise(text)
    for match in rules_for(detect_languages(whole)).case_word.finditer(whole):
        found = _REFERENCE.match(whole, match.end())
        if found and any(c.isdigit() for c in found.group(1)):
            return found.group(1).upper()
    return None


def refine_platform(domain_platform: Platform, subject: str, text: str) -> Platform:
    """Return the platform a mail is about: Threads and WhatsApp codes come from other domains."""
    whole = normalise(subject + "\n" + text[:2000])
    for platform, pattern in _PLATFORM_WORDS:
        if pattern.search(whole):
            return platform
    return domain_platform
