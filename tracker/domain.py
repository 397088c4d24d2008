"""Plain values that flow from the parser to the ledger and the reports.

Nothing here does I/O; every type is frozen so it can be shared freely.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, get_args

Kind = Literal[
    "notice", "code", "received", "info_requested", "approved", "rejected", "unrecognised", "other"
]
Platform = Literal["facebook", "instagram", "threads", "whatsapp", "meta"]
# Why a code was sent: to confirm an AI-training objection, to log in / sign up, or the mail does
# not say (the objection form's own code mail has never been quoted publicly).
CodePurpose = Literal["objection", "login", "unknown"]
AccountState = Literal["no_notice", "notified", "pending", "info_requested", "approved", "rejected"]
# Where a ledger event came from: one of Meta's mails, or a correction the user made by hand.
EventSource = Literal["mail", "manual"]
# Where a message's time came from: its Date header, or (Date missing, unreadable or implausible)
# a time the mail source supplies, best first. Anything but "date" is approximate.
TimeSource = Literal[
    "date",
    "imap_internaldate",
    "mbox_from_line",
    "maildir_name",
    "received_header",
    "file_mtime",
]

KINDS: tuple[Kind, ...] = get_args(Kind)
# Input words that mean the same as one of ours (`rejected` is the word tracker writes; Meta's
# mails say "declined" as often). Output always uses the canonical word.
STATE_ALIASES: dict[str, AccountState] = {"declined": "rejected"}
PLATFORM_ALIASES: dict[str, Platform] = {"fb": "facebook", "ig": "instagram"}
PLATFORMS: tuple[Platform, ...] = get_args(Platform)
ACCOUNT_STATES: tuple[AccountState, ...] = get_args(AccountState)
CODE_PURPOSES: tuple[CodePurpose, ...] = get_args(CodePurpose)
# What `tracker mark ID --as KIND` accepts, and the words it also takes for them.
MARK_KINDS: tuple[Kind, ...] = (
    "notice", "code", "received", "info_requested", "approved", "rejected", "other"
)  # fmt: skip
KIND_ALIASES: dict[str, Kind] = {"declined": "rejected", "decline": "rejected"}
# What `tracker account set --state` accepts, and the event kind each state is recorded as.
SETTABLE_STATES: dict[str, Kind] = {
    "notified": "notice",
    "pending": "received",
    "info_requested": "info_requested",
    "approved": "approved",
    "rejected": "rejected",
}

# The fields of `tracker parse --json` (plus `file`, and `error` when malformed) and of
# `tracker report --json`/`--csv`, in output order.
PARSE_FIELDS = (
    "kind",
    "platform",
    "account",
    "code",
    "sent_at",
    "message_id",
    "trusted",
    "verified",
    "sent_at_source",
)
REPORT_FIELDS = (
    "account",
    "platform",
    "state",
    "notified_at",
    "submitted_at",
    "decided_at",
    "turnaround_seconds",
    "verified",
    "form_link",
    "reference",
    "source",
)

# Meta's own list of its sending domains, the one source for the parser's trust rule and the
# IMAP server-side search. A base domain also covers its subdomains (priority.facebookmail.com,
# account.meta.com, global.metamail.com, support.facebook.com).
META_BASE_DOMAINS: dict[str, Platform] = {
    "facebook.com": "facebook",
    "facebookmail.com": "facebook",
    "fb.com": "facebook",
    "meta.com": "meta",
    "metamail.com": "meta",
}
# Instagram's are exact: instagram.com itself is not on Meta's list of sending domains.
META_EXACT_DOMAINS: dict[str, Platform] = {
    "mail.instagram.com": "instagram",
    "support.instagram.com": "instagram",
}

# Kinds that mean "the objection was submitted" and kinds that decide it.
SUBMISSION_KINDS: frozenset[str] = frozenset({"code", "received"})
DECISION_KINDS: frozenset[str] = frozenset({"approved", "rejected"})
# An `unknown` code counts as the objection's code when a decision follows it within this long.
UNKNOWN_CODE_DECISION_WINDOW = timedelta(hours=48)

# Meta's objection forms (help/contact ids), and what each is for. The third-party-data form is
# flow evidence but not a notice's "object here" link.
OBJECTION_FORMS: dict[str, Platform] = {
    "6359191084165019": "facebook",  # 2024
    "712876720715583": "facebook",  # 2025
    "233964459562201": "instagram",
    "767264225370182": "instagram",
}
THIRD_PARTY_DATA_FORM = "510058597920541"


@dataclass(frozen=True, slots=True)
class CustomRule:
    """A `[[rule]]` from the configuration: mail whose text matches `pattern` is `kind`."""

    name: str  # how errors and `tracker review` refer to it ("rule 2")
    kind: Kind
    pattern: str  # a regular expression over lower-cased text, checked for bounded cost
    language: str | None = None  # only mail in this built-in language


# What a user can be told about. An account reaching a state is announced by the event named
# like the state, except where STATE_EVENTS says otherwise; `code` and `stuck` come from the
# flow itself, `unrecognised` from mail that went to review.
EventName = Literal[
    "notice",
    "code",
    "submitted",
    "info_requested",
    "approved",
    "rejected",
    "stuck",
    "unrecognised",
]
EVENT_NAMES: tuple[EventName, ...] = get_args(EventName)
STATE_EVENTS: dict[str, str] = {"notified": "notice", "pending": "submitted"}
# Kinds of mail that are an event by themselves, whatever they do to the state.
KIND_EVENTS: frozenset[str] = frozenset({"unrecognised"})
# Events whose message says how long Meta took.
DECISION_EVENTS: frozenset[str] = frozenset({"approved", "rejected"})


@dataclass(frozen=True, slots=True)
class ReceivedTime:
    """When the mail source says the message arrived, and how it knows."""

    at: datetime
    source: TimeSource


@dataclass(frozen=True, slots=True)
class ParsedEmail:
    """What the parser learnt from one message.

    `error` is set when the message is malformed (no Date, not a mail at all...);
    the other fields then hold whatever could still be read.
    """

    kind: Kind
    platform: Platform | None
    account: str | None
    code: str | None
    sent_at: datetime | None
    message_id: str | None
    trusted: bool
    code_purpose: CodePurpose | None = None
    code_valid_minutes: int | None = None
    error: str | None = None
    # False for mail nobody could check (no provider verdict, DKIM key unreachable): it counts
    # for the report, marked, and its code is only shown on request.
    verified: bool = True
    sent_at_source: TimeSource | None = "date"
    # Why the message is (not) trusted, for `tracker parse`; never stored.
    trust_reason: str | None = None
    # The objection form a notice links to ("open this to object").
    form_link: str | None = None
    # The case or reference number of an info_requested mail.
    reference: str | None = None
    # For `unrecognised` mail only: Meta's subject line and why the mail was doubtful.
    subject: str | None = None
    review_reason: str | None = None

    @property
    def is_meta_flow(self) -> bool:
        """True for the mails the ledger keeps: anything but `other`."""
        return self.kind != "other"


@dataclass(frozen=True, slots=True)
class AccountReport:
    """One account's lifecycle as the report shows it."""

    account: str
    platform: str | None
    state: AccountState
    notified_at: datetime | None
    submitted_at: datetime | None
    decided_at: datetime | None
    turnaround_seconds: float | None
    untrusted_messages: int = 0
    verified: bool = True  # False when a message it counts could not be checked (unverified)
    form_link: str | None = None  # for `notified` accounts: the form to object with
    reference: str | None = None  # for `info_requested` accounts: Meta's case number
    source: EventSource = "mail"  # where the event that set the state came from


@dataclass(frozen=True, slots=True)
class CodeRecord:
    """A verification code as the ledger holds it."""

    code: str
    account: str | None
    platform: str | None
    purpose: CodePurpose | None
    sent_at: datetime
    expires_at: datetime
    recorded_at: datetime
    verified: bool = True


@dataclass(frozen=True, slots=True)
class ReadMessage:
    """A parsed message with where it was read and a fingerprint for mail without a Message-ID."""

    source: str
    parsed: ParsedEmail
    fingerprint: str

    @property
    def message_key(self) -> str:
        """Return the key the ledger records the message under: its Message-ID if it has one."""
        return self.parsed.message_id or f"sha256:{self.fingerprint}"


@dataclass(frozen=True, slots=True)
class LifecycleEvent:
    """One trusted objection-flow message of an account, as the lifecycle fold needs it."""

    kind: str
    sent_at: datetime
    purpose: str | None = None  # a code's purpose
    detail: str | None = None  # a notice's form link, an info request's case number
    source: EventSource = "mail"


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """A trusted Meta mail that carried flow evidence but matched no rule."""

    id: int
    account: str | None
    platform: str | None
    sent_at: datetime
    subject: str | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Every message of (mailbox, folder) with a UID up to `last_uid` under `uidvalidity` is done."""

    mailbox: str
    folder: str
    uidvalidity: int
    last_uid: int


@dataclass(frozen=True, slots=True)
class Event:
    """One change that matters, as the ledger keeps it and `tracker events` shows it."""

    id: int
    event: str
    account: str | None
    platform: str | None
    at: datetime
    turnaround_seconds: float | None
    detail: str | None
    recorded_at: datetime
