"""Whether a user's `[[rule]]` pattern is safe to run on every Meta mail: pure, standard library.

Python's regex engine backtracks, so a pattern such as `(a+)+b` or `(a|a)*b` can take
exponential time on a short text. A rule is accepted only when no repeat contains another
repeat or an alternation, and it has no back-reference; that keeps every match polynomial
(at most quadratic in the text, which the parser bounds to 64 KiB).
"""

from __future__ import annotations

import re
from typing import Any

try:  # CPython's regex parser, the same one `re` uses; private, so guarded
    import re._parser as _sre_parser
except ImportError:  # pragma: no cover - a renamed module: the old public alias still parses
    import sre_parse as _sre_parser  # type: ignore[no-redef]

MAX_PATTERN_CHARS = 500


def check_pattern(pattern: str) -> str | None:
    """Return why `pattern` cannot be a rule (does not compile, could be slow), or None if it can."""
    if not pattern.strip():
        return "pattern is empty"
    if len(pattern) > MAX_PATTERN_CHARS:
        return f"pattern longer than {MAX_PATTERN_CHARS} characters"
    try:
        re.compile(pattern)
        parsed = _sre_parser.parse(pattern)
    except (re.error, RecursionError, OverflowError) as err:
        return f"pattern does not compile: {err}"
    return _risk(list(parsed), inside_repeat=False)


def _risk(items: list[tuple[Any, Any]], *, inside_repeat: bool) -> str | None:
    c = _sre_parser
    for op, arg in items:
        if op in (c.GROUPREF, c.GROUPREF_EXISTS):
            return "pattern uses a back-reference, which can be slow"
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            _low, high, sub = arg
            repeats = high is c.MAXREPEAT or high > 1
            if repeats and inside_repeat:
                return "pattern nests quantifiers (like (a+)+), which can be slow"
            if repeats and _has_branch(list(sub)):
                return "pattern repeats an alternation (like (a|b)*), which can be slow"
            found = _risk(list(sub), inside_repeat=inside_repeat or repeats)
        elif op is c.SUBPATTERN:
            found = _risk(list(arg[3]), inside_repeat=inside_repeat)
        elif op is c.BRANCH:
            found = next(
                (r for alt in arg[1] if (r := _risk(list(alt), inside_repeat=inside_repeat))),
                None,
            )
        elif op in (c.ASSERT, c.ASSERT_NOT):
            found = _risk(list(arg[1]), inside_repeat=inside_repeat)
        else:
            found = None
        if found:
            return found
    return None


def _has_branch(items: list[tuple[Any, Any]]) -> bool:
    c = _sre_parser
    for op, arg in items:
        if op is c.BRANCH:
            return True
        if op is c.SUBPATTERN and _has_branch(list(arg[3])):
            return True
    return False
