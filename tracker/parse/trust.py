"""Who really sent a message: the receiving provider's verdict, or a DKIM check of our own.

Nothing here looks at wording. The rule (SECURITY.md, "The trust rule"):

* The provider's verdict is every Authentication-Results header that carries the provider's
  authserv-id: the configured ids when there are any, else the id of the topmost header
  (the provider adds its header on top; a header with no id at all, as Exchange Online
  writes it, has the id "").
* Trusted: that verdict shows an aligned pass for the From domain tracker parsed (`dmarc=pass`,
  or `dkim=pass` with a `header.d` of the From's organisational domain), no `fail` for that
  domain in any of those headers, and every `header.from` it names equals the parsed From
  domain.
* No verdict at all (most file exports): the caller's DKIM check decides (`parse.dkim`).
* With configured ids, a mail without a verdict from them is untrusted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

# What the verdict made of a message. "unverified": nobody could check it (no provider verdict,
# and its DKIM key could not be fetched); it counts for the report, marked, but yields no code
# unless asked for.
Trust = Literal["trusted", "unverified", "untrusted"]

# An Authentication-Results header longer than this is no provider's: refuse before parsing it
# (authres parses in pure Python: 30 headers of 7 KiB took a second).
MAX_AR_CHARS = 4 * 1024
# Authentication-Results headers a mail may carry, at most (each hop adds one or a few).
MAX_AR_HEADERS = 20
# All of them together, at most: a provider's verdict is a few hundred characters.
MAX_AR_TOTAL_CHARS = 16 * 1024

_PASS = "pass"
_FAILS = frozenset({"fail", "permerror", "softfail", "hardfail"})
_NO_ID = re.compile(r"^\s*[A-Za-z0-9_.-]+\s*=")  # starts with "method=": no authserv-id


@dataclass(frozen=True, slots=True)
class Verdict:
    """The provider's verdict on one message, and why it is (not) trusted."""

    trust: Trust | None  # None: no provider verdict at all, the caller's DKIM check decides
    reason: str


@dataclass(frozen=True, slots=True)
class _Result:
    method: str
    result: str
    domain: str | None  # header.d / header.i's domain (DKIM), None for others
    header_from: str | None


def organisational_domain(domain: str) -> str:
    """Return the organisational domain for DMARC's relaxed alignment.

    All of Meta's sending domains are registered directly under .com, so the last two labels
    are the organisational domain for every domain this is asked about; a full Public Suffix
    List is not needed (a non-Meta From never gets this far).
    """
    labels = domain.lower().rstrip(".").split(".")
    return ".".join(labels[-2:])


def judge_verdict(
    authentication_results: Sequence[str],
    from_domain: str,
    *,
    authserv_ids: Iterable[str] = (),
) -> Verdict:
    """Return what the receiving provider's Authentication-Results say about `from_domain`."""
    wanted = {a.strip().lower() for a in authserv_ids if a.strip()}
    if (
        len(authentication_results) > MAX_AR_HEADERS
        or sum(len(h) for h in authentication_results) > MAX_AR_TOTAL_CHARS
    ):
        return Verdict("untrusted", "too many or too long Authentication-Results headers")
    if not authentication_results:
        if wanted:
            return Verdict("untrusted", "no Authentication-Results from your provider")
        return Verdict(None, "no Authentication-Results")
    # The id is read cheaply first; only the provider's own headers are fully parsed.
    provider = wanted or {_authserv_id_of(authentication_results[0])}
    mine = [_parse_header(h)[1] for h in authentication_results if _authserv_id_of(h) in provider]
    if not mine:
        return Verdict("untrusted", "no Authentication-Results from your provider")
    if any(results is None for results in mine):
        return Verdict("untrusted", "the provider's Authentication-Results cannot be read")
    org = organisational_domain(from_domain)
    domain = from_domain.lower().rstrip(".")
    passed = False
    for results in mine:
        assert results is not None
        for r in results:
            if r.header_from is not None and r.header_from != domain:
                return Verdict(
                    "untrusted", "the provider checked a different From domain (header.from)"
                )
            if r.method == "dmarc":
                if r.result in _FAILS:
                    return Verdict("untrusted", f"dmarc={r.result}")
                passed = passed or r.result == _PASS
            elif r.method == "dkim" and r.domain and organisational_domain(r.domain) == org:
                if r.result in _FAILS:
                    return Verdict("untrusted", f"dkim={r.result} for {r.domain}")
                passed = passed or r.result == _PASS
    if not passed:
        return Verdict("untrusted", "no aligned DKIM or DMARC pass from the provider")
    return Verdict("trusted", "aligned pass from the provider")


def _parse_header(value: str) -> tuple[str, list[_Result] | None]:
    """Return (authserv-id lower-cased, results or None when unreadable)."""
    if len(value) > MAX_AR_CHARS:
        return _authserv_id_of(value), None
    import authres  # imported here: only mail from Meta's domains has its verdict read

    text = value
    no_id = _NO_ID.match(value) is not None
    if no_id:  # Exchange Online: no authserv-id; give authres one to parse past
        text = "tracker.invalid; " + value
    try:
        header = authres.AuthenticationResultsHeader.parse_value(text)
    except Exception:  # authres raises its own SyntaxError and others on damaged headers
        return _authserv_id_of(value), None
    serv_id = "" if no_id else str(header.authserv_id or "").lower()
    results = []
    for r in header.results:
        props = {
            (p.type or "").lower() + "." + (p.name or "").lower(): p.value for p in r.properties
        }
        domain = props.get("header.d")
        if not domain and props.get("header.i"):
            domain = str(props["header.i"]).rpartition("@")[2]
        header_from = props.get("header.from")
        results.append(
            _Result(
                method=str(r.method or "").lower(),
                result=str(r.result or "").lower(),
                domain=_clean_domain(domain),
                header_from=_clean_domain(header_from),
            )
        )
    return serv_id, results


def _clean_domain(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip().strip('"').lower().rstrip(".")
    # header.from is a domain, but some providers write the whole address.
    return text.rpartition("@")[2] or None


def _authserv_id_of(value: str) -> str:
    """Return the header's authserv-id, lower-cased ("" when it has none, as Exchange writes)."""
    if _NO_ID.match(value):
        return ""
    first = value[: value.find(";")] if ";" in value else value
    words = first.split("(", 1)[0].split(None, 1)  # "mx.example.org 1 (comment)"
    return words[0].lower() if words else ""
