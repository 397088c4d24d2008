"""Our own DKIM check, for mail that carries no provider verdict (most file exports).

Pure apart from the key lookup, which the caller hands in (`tracker.dkimdns` asks DNS;
tests hand in a lookup against a DNS server on loopback). A key that cannot be fetched, because
DNS cannot be reached or Meta has since rotated the selector away, makes the mail `unverified`,
never `trusted`: the signature may be genuine, but nobody could check it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from tracker.parse.trust import Trust, Verdict, organisational_domain

# A TXT lookup: the record's bytes, None when the name has no such record; raises
# DnsUnavailable when the question could not be asked or answered.
TxtLookup = Callable[[str], bytes | None]

# Signatures tried per message, at most: a real mail has one or two.
MAX_SIGNATURES = 3

_SIGNATURE_FIELD = re.compile(rb"(?im)^dkim-signature[ \t]*:")
_REVOKED = re.compile(rb"(?:^|;)\s*p\s*=\s*(?:;|$)")  # "p=": the key was revoked
_D_TAG = re.compile(rb"(?:^|;)\s*d\s*=\s*([^;\s]+)")

# dkimpy logs every failed check at error level; tracker reports the outcome itself.
_quiet = logging.getLogger("tracker.parse.dkim.dkimpy")
_quiet.addHandler(logging.NullHandler())
_quiet.propagate = False


class DnsUnavailable(Exception):
    """DNS could not be asked or did not answer."""


def verify_dkim(raw: bytes, from_domain: str, *, lookup: TxtLookup | None) -> Verdict:
    """Return whether `raw` has a valid DKIM signature aligned with `from_domain`."""
    if not _SIGNATURE_FIELD.search(raw[: raw.find(b"\n\n") if b"\n\n" in raw else len(raw)]):
        return Verdict("untrusted", "no provider verdict and no DKIM signature")
    import dkim  # imported here: it loads dnspython's resolver, ~80 ms most runs never need

    try:
        checker = dkim.DKIM(raw, logger=_quiet, timeout=5)
        signatures = [value for name, value in checker.headers if name.lower() == b"dkim-signature"]
    except Exception:  # dkimpy raises its own and plain errors on damaged mail
        return Verdict("untrusted", "no provider verdict and an unreadable DKIM signature")
    org = organisational_domain(from_domain)
    aligned = []
    for index, value in enumerate(signatures):
        match = _D_TAG.search(b" ".join(value.split()))
        domain = match.group(1).decode("ascii", "replace").lower() if match else ""
        if domain and organisational_domain(domain) == org:
            aligned.append(index)
    if not aligned:
        return Verdict("untrusted", "no provider verdict and no DKIM signature of the From domain")
    outcome: Trust = "untrusted"
    reason = "no provider verdict and the DKIM signature does not verify"
    for index in aligned[:MAX_SIGNATURES]:
        missing: list[str] = []
        dnsfunc = _key_fetcher(lookup, missing)
        try:
            valid = bool(checker.verify(idx=index, dnsfunc=dnsfunc))
        except Exception:  # a badly formed signature or key: this signature proves nothing
            valid = False
        if valid:
            return Verdict("trusted", "valid DKIM signature of the From domain")
        if missing:
            outcome = "unverified"
            reason = f"no provider verdict and the DKIM key could not be fetched ({missing[0]})"
    return Verdict(outcome, reason)


def _key_fetcher(lookup: TxtLookup | None, missing: list[str]) -> Callable[..., bytes | None]:
    """Return dkimpy's `dnsfunc` over `lookup`, noting in `missing` why a key was not found."""

    def dnsfunc(name: bytes | str, timeout: float = 5) -> bytes | None:
        text = name.decode("ascii", "replace") if isinstance(name, bytes) else name
        if lookup is None:
            missing.append("no DNS lookup configured")
            return None
        try:
            record = lookup(text.rstrip("."))
        except DnsUnavailable as err:
            missing.append(str(err) or "DNS unavailable")
            return None
        if not record or _REVOKED.search(record):
            missing.append("the signing key is no longer published")
            return None
        return record

    return dnsfunc
