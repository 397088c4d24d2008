"""Decide what a message is: kind, platform, account and trust, from headers and decoded text.

The wording rules are data, one entry per language, so a new language or a reworded round of
Meta's emails is a change to the tables below and a sample in sample_emails/, not to the logic.
Matching is done sentence by sentence on lower-cased text, because a notice says "if your
objection is honoured" and must not count as an approval.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from tracker.domain import META_BASE_DOMAINS, META_EXACT_DOMAINS, Kind, Platform

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


@dataclass(frozen=True, slots=True)
class LanguageRules:
    """Regular expressions (lower-case text, one sentence at a time) for one language."""

    ai_at_meta: str  # names the AI-at-Meta programme
    objection: str  # names the objection itself
    request: str  # a generic "your request" (decisions are often worded about the request)
    right_to_object: str  # offers the right to object (notices)
    approve: str  # in a sentence with `objection`: it will be honoured
    decline: str  # in a sentence with `objection`: it will not be honoured
    acknowledge: str  # received, under review, or more information needed
    conditional: str  # "if ...": the sentence describes a possibility, not a decision


LANGUAGES: dict[str, LanguageRules] = {
    "en": LanguageRules(
        ai_at_meta=r"\bai at meta\b|generative ai",
        objection=r"\bobjection|\bobject(ed|ing)?\b",
        request=r"\brequest",
        right_to_object=r"right to object|\bobject to\b|objection form",
        approve=r"\bhono(u)?r(ed|ing)?\b|\bapproved?\b|\bgranted\b|\baccepted\b",
        decline=r"unable to|can(no|')t|not able to|won't be able|\bdeclined?\b|not hono(u)?r|"
        r"\brejected\b|not been approved|could not|couldn't",
        acknowledge=r"don't automatically fulfil|do not automatically fulfil|we('ve| have)? received your|"
        r"we('ll| will) review|under review|need(s)? more (information|details)|"
        r"provide (us with )?more information|review (it|them|your request)",
        conditional=r"^(if|once|when)\b|\bif (your|you)\b",
    ),
    "de": LanguageRules(
        ai_at_meta=r"\bki bei meta\b|generative(n|r)? ki",
        objection=r"widerspruch|widersprechen",
        request=r"anfrage|antrag",
        right_to_object=r"recht,? (zu )?widersprechen|widerspruchsrecht|recht auf widerspruch|"
        r"widersprechen",
        approve=r"nachkommen|nachgekommen|stattgeben|stattgegeben|berücksichtig|genehmigt",
        decline=r"nicht nachkommen|nicht stattgeben|leider nicht|abgelehnt|nicht (möglich|berücksichtig)",
        acknowledge=r"(haben|hat) (deine|ihre|deinen|ihren) \w+ erhalten|wir (werden|prüfen|überprüfen)|"
        r"weitere informationen (benötigen|brauchen)|benötigen weitere informationen|nicht automatisch",
        conditional=r"^(wenn|falls|sobald)\b|\b(wenn|falls) (dein|ihr|du|sie)\b",
    ),
    "fr": LanguageRules(
        ai_at_meta=r"\bia (chez|de|à) meta\b|ia générative",
        objection=r"opposition|vous opposer|t'opposer|objection",
        request=r"demande",
        right_to_object=r"droit de (vous|t')opposer|droit d'opposition|(vous|t')opposer",
        approve=r"respect(er|erons|é|ée)|accéd(er|erons|é)|accept(er|erons|é|ée)|fait droit",
        decline=r"ne (pouvons|pourrons) pas|pas en mesure|refus(er|ée|é)|rejet(er|ée|é)|"
        r"ne sera pas",
        acknowledge=r"avons (bien )?reçu|examiner(ons)?|besoin de plus d'informations|"
        r"pas automatiquement",
        conditional=r"^(si|lorsque|quand)\b|\bsi (votre|vous|ta|tu)\b",
    ),
    "es": LanguageRules(
        ai_at_meta=r"\bia (en|de) meta\b|ia generativa",
        objection=r"oposición|objeción|oponerte|oponerse",
        request=r"solicitud",
        right_to_object=r"derecho a (oponerte|oponerse|objetar)|oponerte|oponerse",
        approve=r"acept(ar|aremos|ado|ada)|respet(ar|aremos|ado|ada)|atender(emos)?",
        decline=r"no (podemos|podremos)|rechaz(ar|ado|ada)|deneg(ar|ado|ada)|no es posible",
        acknowledge=r"hemos recibido|revisaremos|necesitamos más información|"
        r"no (se )?(cumplimos|atienden|tramitamos) automáticamente|no [^.\n]{0,120}automáticamente",
        conditional=r"^(si|cuando)\b|\bsi (tu|usted)\b",
    ),
    "it": LanguageRules(
        ai_at_meta=r"\bia (in|di) meta\b|ia generativa",
        objection=r"opposizione|opporti|opporsi",
        request=r"richiesta",
        right_to_object=r"diritto di (opporti|opporsi)|opporti|opporsi",
        approve=r"accogli(ere|eremo|ere)|accolt[ao]|rispett(are|eremo|ata)|applicata|approvat[ao]",
        decline=r"non (possiamo|potremo|è possibile)|respint[ao]|rifiutat[ao]|non (verrà|sarà) "
        r"(accolt|applicat)",
        acknowledge=r"abbiamo ricevuto|esaminer|valuter|abbiamo bisogno di ulteriori informazioni|"
        r"non [^.\n]{0,120}automaticamente",
        conditional=r"^(se|quando)\b|\bse (la tua|tu)\b",
    ),
    "nl": LanguageRules(
        ai_at_meta=r"\bai bij meta\b|generatieve ai",
        objection=r"bezwaar",
        request=r"verzoek",
        right_to_object=r"recht (om )?bezwaar|bezwaar (te )?maken",
        approve=r"honoreren|gehonoreerd|inwilligen|ingewilligd|goedgekeurd|gehonoreerd",
        decline=r"niet (honoreren|inwilligen|gehonoreerd|ingewilligd)|kunnen [^.\n]{0,80}niet|afgewezen|"
        r"helaas",
        acknowledge=r"hebben (je|uw) \w+ ontvangen|we (zullen|gaan) [^.\n]{0,80}beoordelen|meer informatie nodig|"
        r"niet automatisch",
        conditional=r"^(als|indien|wanneer)\b|\b(als|indien) (je|jouw|uw)\b",
    ),
    "pl": LanguageRules(
        ai_at_meta=r"\bai w meta\b|sztuczn\w+ inteligencj\w+ w meta|generatywn\w+ (ai|sztuczn)",
        objection=r"sprzeciw\w*",
        request=r"wnios\w*|prośb\w*",
        right_to_object=r"prawo do (wniesienia )?sprzeciwu|sprzeciwić się|wnieść sprzeciw",
        approve=r"uwzględni\w*|zaakceptow\w*|rozpatrzon\w* pozytywnie|zatwierdz\w*",
        decline=r"nie (możemy|będziemy|uwzględni\w*|zostanie|został)|odrzuc\w*|odrzuon\w*",
        acknowledge=r"otrzymaliśmy|rozpatrzymy|przeanalizujemy|potrzebujemy więcej informacji|"
        r"nie [^.\n]{0,120}automatycznie",
        conditional=r"^(jeśli|jeżeli|gdy)\b",
    ),
    "pt": LanguageRules(
        ai_at_meta=r"\bia (na|da) meta\b|ia generativa",
        objection=r"oposição|objeção|opor-se|opor-te",
        request=r"solicitação|pedido",
        right_to_object=r"direito (de|a) (se )?opor|direito de oposição|opor-se|opor-te",
        approve=r"atender(emos)?|atendid[ao]|aceit(ar|aremos|a|o)|respeit(ar|aremos|ad[ao])|"
        r"aprovad[ao]",
        decline=r"não (podemos|poderemos|será|foi)|recusad[ao]|rejeitad[ao]|indeferid[ao]",
        acknowledge=r"recebemos|analisaremos|precisamos de mais informações|não [^.\n]{0,120}automaticamente",
        conditional=r"^(se|quando)\b|\bse (a sua|você|tu)\b",
    ),
    "sv": LanguageRules(
        ai_at_meta=r"\bai hos meta\b|generativ ai",
        objection=r"invändning\w*|invända",
        request=r"begäran",
        right_to_object=r"rätt att invända|invända mot",
        approve=r"godkänn\w*|godkänt|godkänd|tillmötesgå\w*|beviljad|beviljat",
        decline=r"kan (tyvärr )?inte|inte (godkänn|tillmötesgå|beviljas)|avslag|avslå\w*|avvisad",
        acknowledge=r"har tagit emot|har mottagit|kommer att granska|behöver mer information|"
        r"inte automatiskt",
        conditional=r"^(om|när)\b",
    ),
}


@dataclass(frozen=True, slots=True)
class _CompiledRules:
    ai_at_meta: re.Pattern[str]
    objection: re.Pattern[str]
    request: re.Pattern[str]
    right_to_object: re.Pattern[str]
    approve: re.Pattern[str]
    decline: re.Pattern[str]
    acknowledge: re.Pattern[str]
    conditional: re.Pattern[str]


def _union(field: str) -> re.Pattern[str]:
    return _compile_with_first_chars(
        "|".join(f"(?:{getattr(rules, field)})" for rules in LANGUAGES.values())
    )


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


_RULES = _CompiledRules(*(_union(f) for f in _CompiledRules.__slots__))  # type: ignore[arg-type]
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


def classify_kind(subject: str, text: str, *, has_code: bool) -> Kind:
    """Return what a message from Meta is about, from its subject and decoded text."""
    whole = normalise(subject + "\n\n" + text)
    if _RULES.objection.search(whole) or _RULES.request.search(whole):
        # Whole-text checks first: most mails never need the sentence-by-sentence pass.
        may_decline = _RULES.decline.search(whole) is not None
        may_approve = _RULES.approve.search(whole) is not None
        if may_decline or may_approve:
            decided = [
                s
                for s in split_sentences(whole)
                if (_RULES.objection.search(s) or _RULES.request.search(s))
                and not _RULES.conditional.search(s)
            ]
            if may_decline and any(_RULES.decline.search(s) for s in decided):
                return "rejected"
            if may_approve and any(_RULES.approve.search(s) for s in decided):
                return "approved"
    if has_code:
        return "code"
    if _RULES.ai_at_meta.search(whole) and _RULES.right_to_object.search(whole):
        return "notice"
    if _RULES.acknowledge.search(whole) and (
        _RULES.objection.search(whole) or _RULES.request.search(whole)
    ):
        return "received"
    return "other"


_LOGIN_SUBJECT = _compile_with_first_chars(
    r"log ?in|sign ?up|anmeld|connexion|iniciar sesión|accesso|inloggen|logowani|entrar|logga in"
)


def is_objection_related(subject: str, text: str) -> bool:
    """Return True if the mail talks about an AI-training objection (for a code's purpose)."""
    whole = normalise(subject + "\n" + text)
    return bool(
        _RULES.ai_at_meta.search(whole) or _RULES.objection.search(whole)
    ) and not _LOGIN_SUBJECT.search(normalise(subject))


def refine_platform(domain_platform: Platform, subject: str, text: str) -> Platform:
    """Return the platform a mail is about: Threads and WhatsApp codes come from other domains."""
    whole = normalise(subject + "\n" + text[:2000])
    for platform, pattern in _PLATFORM_WORDS:
        if pattern.search(whole):
            return platform
    return domain_platform
