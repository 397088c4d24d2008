"""The pure parsing core: `parse_email(raw bytes) -> ParsedEmail`. No I/O, no database."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from itertools import islice

from tracker.domain import CodePurpose, CustomRule, ParsedEmail, Platform, ReceivedTime
from tracker.parse.classify import (
    Links,
    classify_code_purpose,
    classify_message,
    extract_links,
    extract_reference,
    platform_of_domain,
    refine_platform,
)
from tracker.parse.codes import extract_code, extract_validity_minutes
from tracker.parse.dates import settle_sent_at
from tracker.parse.dkim import TxtLookup, verify_dkim
from tracker.parse.mime import Headers, MalformedMail, read_body, read_headers
from tracker.parse.quoting import quotes_people
from tracker.parse.trust import Verdict, judge_verdict

__all__ = [
    "MAX_TEXT_CHARS",
    "NOT_META",
    "MalformedMail",
    "could_be_from_meta",
    "header_could_be_from_meta",
    "is_from_meta",
    "parse_email",
    "unreadable",
]

# Decoded text handed to the classifier and the code extractor, at most. Meta's mails are a few
# thousand characters; the rules' cost grows faster than the text, so a bound keeps one
# hostile message from taking minutes.
MAX_TEXT_CHARS = 64 * 1024
# "code" words in that text, at most: the code extractor weighs every candidate against every
# such word, so a text made of "code 123456 code 123456 ..." would cost minutes.
MAX_CODE_WORDS = 50
_CODE_WORD = re.compile(r"(?i)c[oó]di?|k[oóô]d|kóð|kood|код|κωδικ")  # the stems codes.py looks for


# The From field's raw bytes, folded lines included. Matching it is the cheapest triage there is.
_FROM_FIELD = re.compile(rb"(?im)^from[ \t]*:(.*(?:\r?\n[ \t].*)*)")
# Every Meta sending domain contains one of these; an encoded word could hide any of them.
_META_HINT = re.compile(rb"(?i)facebook|fb\.com|meta(mail)?\.com|instagram|=\?")


def could_be_from_meta(raw: bytes) -> bool:
    """Return False only when `raw` is surely not from Meta (its From names no Meta domain).

    Used to skip other mail in bulk imports without parsing its headers; anything doubtful
    (no From, several, an encoded word) answers True and gets the full parse.
    """
    end = raw.find(b"\n\n")
    header = raw if end < 0 else raw[: end + 1]
    return header_could_be_from_meta(header[:MAX_TRIAGE_HEADER])


# How much of a header block the triage reads: far more than any real header block.
MAX_TRIAGE_HEADER = 256 * 1024


def header_could_be_from_meta(header: bytes) -> bool:
    """`could_be_from_meta` on a header block already cut out (at most MAX_TRIAGE_HEADER)."""
    fields = _FROM_FIELD.findall(header)
    return len(fields) != 1 or _META_HINT.search(fields[0]) is not None


def is_from_meta(header_bytes: bytes) -> bool:
    """Return True if a message's header block has a single From address on a Meta domain."""
    try:
        return platform_of_domain(read_headers(header_bytes).from_domain) is not None
    except Exception:  # a broken header block: fetch the whole mail and let parse_email say why
        return True


def parse_email(
    raw: bytes,
    *,
    authserv_ids: Iterable[str] = (),
    received: ReceivedTime | None = None,
    dkim_lookup: TxtLookup | None = None,
    custom_rules: tuple[CustomRule, ...] = (),
) -> ParsedEmail:
    """Return what `raw` is; a malformed message comes back with `error` set, never raises.

    `custom_rules` are the configuration's `[[rule]]`s, tried before the built-in wording.

    `received` is when the mail source says the message arrived (IMAP INTERNALDATE, the mbox
    `From ` line, a Maildir name, a file's mtime): the message's time when its Date is
    missing or cannot be right. `dkim_lookup` fetches DKIM keys for mail that carries no
    provider verdict; without one, such mail is at best `unverified`.

    Mail that is not from one of Meta's sending domains is classified from its headers alone,
    which keeps a big mailbox cheap to scan: its body is never decoded, and nothing about it
    is an error (the ledger keeps nothing about other mail, not even that it was malformed).
    """
    try:
        headers = read_headers(raw)
    except MalformedMail as err:
        return unreadable(str(err))
    except Exception as err:  # the header parser should not fail; one bad mail must not stop a run
        return unreadable(f"unreadable headers ({type(err).__name__})")

    domain_platform = platform_of_domain(headers.from_domain)
    if headers.received_at is not None and (received is None or received.source == "file_mtime"):
        # The receiving server's own stamp beats a file's mtime (the time it was copied).
        received = ReceivedTime(headers.received_at, "received_header")
    sent_at, time_source, date_problem = settle_sent_at(
        headers.sent_at, headers.date_problem, received
    )
    account = headers.to_addresses[0] if headers.to_addresses else headers.delivered_to
    base = ParsedEmail(
        kind="other",
        platform=None,
        account=account,
        code=None,
        sent_at=sent_at,
        message_id=headers.message_id,
        trusted=False,
        verified=False,
        sent_at_source=time_source,
    )
    if domain_platform is None:
        return base
    base = _with(base, platform=domain_platform, error=date_problem)
    verdict = _judge(raw, headers, authserv_ids=authserv_ids, dkim_lookup=dkim_lookup)
    base = _with(
        base,
        trusted=verdict.trust in ("trusted", "unverified"),
        verified=verdict.trust == "trusted",
        trust_reason=verdict.reason,
    )
    try:
        return _parse_meta_body(
            raw, base, headers, domain_platform, trusted=base.trusted, custom_rules=custom_rules
        )
    except MalformedMail as err:
        return _with(base, error=str(err))
    except RecursionError:
        return _with(base, error="nested too deeply to read")
    except Exception as err:  # one bad mail must not stop a run
        return _with(base, error=f"cannot decode the body ({type(err).__name__})")


def _judge(
    raw: bytes,
    headers: Headers,
    *,
    authserv_ids: Iterable[str],
    dkim_lookup: TxtLookup | None,
) -> Verdict:
    """Return who sent the mail: the provider's verdict, else our own DKIM check."""
    from_domain = headers.from_domain or ""
    if headers.structure_problem:
        return Verdict("untrusted", headers.structure_problem)
    try:
        verdict = judge_verdict(
            headers.authentication_results, from_domain, authserv_ids=authserv_ids
        )
        if verdict.trust is None:
            verdict = verify_dkim(raw, from_domain, lookup=dkim_lookup)
    except Exception as err:  # a verdict nobody can read proves nothing
        return Verdict("untrusted", f"cannot read the verdict ({type(err).__name__})")
    return verdict


def _parse_meta_body(
    raw: bytes,
    base: ParsedEmail,
    headers: Headers,
    domain_platform: Platform,
    *,
    trusted: bool,
    custom_rules: tuple[CustomRule, ...],
) -> ParsedEmail:
    body = read_body(raw)
    # Links are read from the raw HTML too: its visible text drops every href.
    links = extract_links(body.plain, *body.html_parts)

    def classify(text: str) -> ParsedEmail:
        return _classify_meta_mail(
            base,
            headers,
            _bounded(text),
            domain_platform,
            trusted=trusted,
            links=links,
            custom_rules=custom_rules,
        )

    parsed = classify(body.text)
    if parsed.kind in ("other", "unrecognised") and body.plain.strip() and body.html_parts:
        # The plain part of a multipart mail can be a stub ("view this email in a browser").
        from_html = classify(body.html_text())
        if from_html.kind != "other":
            parsed = from_html
    return parsed


# Runs of word characters (and the dots, commas, pluses and hyphens that join them in numbers,
# addresses and amounts) longer than any word, code or address: the code patterns scan a run
# once per position where it could start, so a 60,000-digit run cost minutes. Everything after
# a run's first MAX_RUN + 1 characters becomes FILLER, which no pattern matches and which
# keeps every offset (the code's distance to its context word is counted in characters). A
# code can only start where a run starts, so the cut changes no code and no kind; a property
# test (tests/test_fences.py) holds it to that.
MAX_RUN = 64
FILLER = "\u00a4"  # not a word character, a space, a digit separator or a sentence end
_LONG_RUN = re.compile(rf"[\w.,+-]{{{MAX_RUN + 1}}}[\w.,+-]+")


def squash_runs(text: str) -> str:
    """Return `text` with each run of word characters cut after MAX_RUN + 1 of them."""
    return _LONG_RUN.sub(
        lambda m: m.group(0)[: MAX_RUN + 1] + FILLER * (len(m.group(0)) - MAX_RUN - 1), text
    )


def _bounded(text: str) -> str:
    text = squash_runs(text)
    if len(text) > MAX_TEXT_CHARS:
        raise MalformedMail(
            f"text too long for a Meta notification ({len(text) // 1024} KiB of text, "
            f"at most {MAX_TEXT_CHARS // 1024} KiB)"
        )
    if len(list(islice(_CODE_WORD.finditer(text), MAX_CODE_WORDS + 1))) > MAX_CODE_WORDS:
        raise MalformedMail(
            f"too many code words for a Meta notification (more than {MAX_CODE_WORDS})"
        )
    return text


def _classify_meta_mail(
    base: ParsedEmail,
    headers: Headers,
    text: str,
    domain_platform: Platform,
    *,
    trusted: bool,
    links: Links,
    custom_rules: tuple[CustomRule, ...],
) -> ParsedEmail:
    headers = replace(headers, subject=squash_runs(headers.subject))
    if quotes_people(headers.subject, text):  # what a person wrote is never Meta's decision
        return _with(base, platform=domain_platform, trusted=trusted)
    code = extract_code(headers.subject, text)
    verdict = classify_message(
        headers.subject,
        text,
        has_code=code is not None,
        trusted=trusted,
        links=links,
        custom_rules=custom_rules,
    )
    kind = verdict.kind
    platform = refine_platform(domain_platform, headers.subject, text)
    purpose: CodePurpose | None = None
    validity: int | None = None
    if kind == "code" and trusted:
        purpose = classify_code_purpose(headers.subject, text)
        if purpose == "login" and any(r.kind == "code" for r in custom_rules):
            purpose = "unknown"  # the user's rule says so; the flow's order decides
        validity = extract_validity_minutes(text)
    return _with(
        base,
        kind=kind,
        platform=platform,
        trusted=trusted,
        code=code if kind == "code" and trusted else None,
        code_purpose=purpose,
        code_valid_minutes=validity,
        form_link=links.objection_form if kind == "notice" else None,
        reference=extract_reference(text) if kind == "info_requested" else None,
        subject=_without_digits(headers.subject[:300]) if kind == "unrecognised" else None,
        review_reason=verdict.reason,
    )


_DIGIT_RUN = re.compile(r"\d(?:[\d \u00a0-]*\d)?")


def _without_digits(subject: str) -> str:
    """Return a subject with its digits hidden: the ledger keeps no code, even by accident."""
    return _DIGIT_RUN.sub(
        lambda m: "#" * len(m.group(0)) if len(m.group(0)) >= 4 else m.group(0), subject
    )


def _with(base: ParsedEmail, **changes: object) -> ParsedEmail:
    return replace(base, **changes)  # type: ignore[arg-type]


# Mail that is not Meta's, read no further than needed to know that.
NOT_META = ParsedEmail(
    kind="other",
    platform=None,
    account=None,
    code=None,
    sent_at=None,
    message_id=None,
    trusted=False,
    verified=False,
)


def unreadable(reason: str) -> ParsedEmail:
    """Return the result for bytes that cannot be read as mail at all."""
    return replace(NOT_META, error=reason)
