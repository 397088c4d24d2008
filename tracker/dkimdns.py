"""TXT lookups for DKIM keys through dnspython: the one place the parser's DKIM check does I/O.

`TRACKER_DNS` (`host` or `host:port`) names the resolver to ask; by default the system's.
Once DNS has failed to answer, later lookups in the same run fail at once: an offline import
of a large mbox must not wait the timeout once per message.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping

from tracker.parse.dkim import DnsUnavailable, TxtLookup

LOOKUP_SECONDS = 3.0
# After DNS failed to answer, lookups fail at once for this long, then DNS is asked again
# (the daemon outlives a network outage).
DOWN_SECONDS = 60.0

_shared: dict[str, TxtLookup] = {}
_shared_lock = threading.Lock()


def default_txt_lookup(env: Mapping[str, str] = os.environ) -> TxtLookup:
    """Return the process's shared lookup for the resolver `env` names (made on first use)."""
    key = env.get("TRACKER_DNS", "").strip()
    with _shared_lock:
        if key not in _shared:
            _shared[key] = make_txt_lookup(env)
        return _shared[key]


def make_txt_lookup(env: Mapping[str, str] = os.environ) -> TxtLookup:
    """Return a TXT lookup for DKIM keys, cached for the run, giving up for good once DNS fails."""
    import dns.exception
    import dns.resolver

    server = env.get("TRACKER_DNS", "").strip()
    try:
        if server:
            resolver = dns.resolver.Resolver(configure=False)
            host, _, port = server.rpartition(":") if server.count(":") == 1 else (server, "", "")
            resolver.nameservers = [host or server]
            if port:
                resolver.port = int(port)
        else:
            resolver = dns.resolver.Resolver()
    except (ValueError, OSError, dns.exception.DNSException) as err:
        unusable = f"no usable DNS resolver ({type(err).__name__})"

        def fail(name: str) -> bytes | None:
            raise DnsUnavailable(unusable)

        return fail
    resolver.lifetime = LOOKUP_SECONDS
    cache: dict[str, bytes | None] = {}
    down: list[tuple[float, str]] = []
    lock = threading.Lock()

    def lookup(name: str) -> bytes | None:
        with lock:
            if down and time.monotonic() - down[0][0] < DOWN_SECONDS:
                raise DnsUnavailable(down[0][1])
            down.clear()
            if name in cache:
                return cache[name]
        try:
            answer = resolver.resolve(name, "TXT", raise_on_no_answer=False)
            record = b"".join(answer.rrset[0].strings) if answer.rrset else None
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            record = None
        except dns.exception.DNSException as err:
            reason = f"DNS did not answer ({type(err).__name__})"
            with lock:
                down[:] = [(time.monotonic(), reason)]
            raise DnsUnavailable(reason) from None
        with lock:
            cache[name] = record
        return record

    return lookup
