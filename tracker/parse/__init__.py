"""The pure parsing core: `parse_email(raw bytes) -> ParsedEmail`. No I/O, no database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from tracker.domain import CodePurpose, ParsedEmail, Platform
from tracker.parse.classify import (
    classify_authentication,
    classify_kind,
    is_objection_related,
    platform_of_domain,
    refine_platform,
)
from tracker.parse.codes import extract_code, extract_validity_minutes
from tracker.parse.mime import Headers, MalformedMail, read_body, read_headers

__all__ = ["MalformedMail", "is_from_meta", "parse_email"]


def is_from_meta(header_bytes: bytes) -> bool:
    """Return True if a message's header block has a single From address on a Meta domain."""
    try:
        return platform_of_domain(read_headers(header_bytes).from_domain) is not None
    except Exception:  # a broken header block: fetch the whole mail and let parse_email say why
        return True


def parse_email(raw: bytes, *, authserv_ids: Iterable[str] = ()) -> ParsedEmail:
    """Return what `raw` is; a malformed message comes back with `error` set, never raises.

    Mail that is not from one of Meta's sending domains is classified from its headers alone,
    which keeps a big mailbox cheap to scan: its body is never decoded.
    """
    try:
        headers = read_headers(raw)
    except MalformedMail as err:
        return _unreadable(str(err))
    except (
        Exception
    ) as err:  # the header parser should not fail, but one bad mail must not stop a run
        return _unreadable(f"unreadable headers ({type(err).__name__})")

    account = headers.to_addresses[0] if headers.to_addresses else headers.delivered_to
    domain_platform = platform_of_domain(headers.from_domain)
    base = ParsedEmail(
        kind="other",
        platform=None,
        account=account,
        code=None,
        sent_at=headers.sent_at,
        message_id=headers.message_id,
        trusted=False,
        error=headers.date_problem,
    )
    if domain_platform is None:
        return base

    trusted = classify_authentication(headers.authentication_results, authserv_ids=authserv_ids)
    try:
        body = read_body(raw)
    except MalformedMail as err:
        return _with(base, platform=domain_platform, trusted=trusted, error=str(err))
    parsed = _classify_meta_mail(base, headers, body.text, domain_platform, trusted=trusted)
    if parsed.kind == "other" and body.plain.strip() and body.html_parts:
        # The plain part of a multipart mail can be a stub ("view this email in a browser").
        parsed = _classify_meta_mail(
            base, headers, body.html_text(), domain_platform, trusted=trusted
        )
    return parsed


def _classify_meta_mail(
    base: ParsedEmail, headers: Headers, text: str, domain_platform: Platform, *, trusted: bool
) -> ParsedEmail:
    code = extract_code(headers.subject, text)
    kind = classify_kind(headers.subject, text, has_code=code is not None)
    platform = refine_platform(domain_platform, headers.subject, text)
    purpose: CodePurpose | None = None
    validity: int | None = None
    if kind == "code" and trusted:
        purpose = "objection" if is_objection_related(headers.subject, text) else "login"
        validity = extract_validity_minutes(text)
    return _with(
        base,
        kind=kind,
        platform=platform,
        trusted=trusted,
        code=code if kind == "code" and trusted else None,
        code_purpose=purpose,
        code_valid_minutes=validity,
    )


def _with(base: ParsedEmail, **changes: object) -> ParsedEmail:
    return replace(base, **changes)  # type: ignore[arg-type]


def _unreadable(reason: str) -> ParsedEmail:
    return ParsedEmail(
        kind="other",
        platform=None,
        account=None,
        code=None,
        sent_at=None,
        message_id=None,
        trusted=False,
        error=reason,
    )
