"""Builds realistic Meta and ordinary mails for tests and benchmarks (stdlib email only)."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

SENDERS = {
    "facebook": ("Facebook", "notification@facebookmail.com", "facebookmail.com"),
    "instagram": ("Instagram", "no-reply@mail.instagram.com", "mail.instagram.com"),
}

BODIES = {
    "notice": (
        "We're updating our Privacy Policy as we expand AI at Meta",
        "Hi {name},\n\nWe're getting ready to expand our AI at Meta experiences. AI at Meta is our "
        "collection of generative AI features and experiences, such as Meta AI and AI creative "
        "tools.\n\nYou have the right to object to the use of your information for these "
        "purposes. If your objection is honoured, it will be applied from then on.\n\n"
        "If you've already objected, you don't need to submit another request.",
    ),
    "code": (
        "Confirm your objection request",
        "Hi {name},\n\nUse this code to confirm your request to object to the use of your "
        "information for AI at Meta:\n\n{code}\n\nThis code expires in 10 minutes. "
        "If you didn't make this request, you can ignore this email.",
    ),
    "received": (
        "We received your request",
        "Hi {name},\n\nWe don't automatically fulfil requests sent using this form. We review "
        "them consistent with your local laws.",
    ),
    # The objection form's code mail has never been quoted: this one names no purpose at all.
    "code-unnamed": (
        "Your confirmation code",
        "Hi {name},\n\nUse this code to confirm your request: {code}\n\n"
        "If you didn't ask for this code, you can ignore this email.",
    ),
    "info_requested": (
        "We need more information",
        "Hi {name},\n\nThanks for contacting us about your objection. We need more information "
        "to process your request: please reply to this email.\n\nCase number: 10293847",
    ),
    "approved": (
        "Your objection request",
        "Hi {name},\n\nWe will honour your objection for your public information, such as public "
        "posts and comments. This means that we won't use your public information from Facebook "
        "and Instagram for future development and improvement of generative AI models for our "
        "AI at Meta features and experiences.",
    ),
    "rejected": (
        "Your objection request",
        "Hi {name},\n\nWe're unable to honour your objection, because the law in your country "
        "does not give you this right for this processing.",
    ),
}

FOOTER = (
    "\n\nThanks,\nThe {platform_title} team\n\nThis message was sent to {account}.\n"
    "Meta Platforms Ireland Ltd., Merrion Road, Dublin 4, D04 X2K5, Ireland"
)


def meta_mail(
    kind: str,
    *,
    account: str,
    platform: str = "facebook",
    sent_at: datetime | None = None,
    code: str | None = None,
    message_id: str | None = None,
    auth: str = "pass",
    html: bool = True,
    wording: tuple[str, str] | None = None,
) -> bytes:
    """Return a realistic Meta objection-flow mail of `kind` for `account`.

    `wording` (subject, body) replaces the kind's own text, for wording no rule knows.
    """
    display, address, domain = SENDERS[platform]
    subject, body = wording or BODIES[kind]
    name = account.split("@")[0].split(".")[0].title()
    text = body.format(name=name, code=code or "") + FOOTER.format(
        platform_title=platform.title(), account=account
    )
    msg = EmailMessage()
    msg["Authentication-Results"] = (
        f"mx.example.org; dkim={auth} header.d={domain} header.s=s1; spf=pass "
        f"smtp.mailfrom={domain}; dmarc={auth} (p=REJECT) header.from={domain}"
    )
    msg["DKIM-Signature"] = f"v=1; a=rsa-sha256; d={domain}; s=s1; bh=abc; b=def"
    msg["From"] = f"{display} <{address}>"
    msg["To"] = account
    msg["Subject"] = subject
    msg["Date"] = format_datetime(sent_at or datetime.now(UTC))
    msg["Message-ID"] = message_id or make_msgid(domain=domain)
    msg.set_content(text)
    if html:
        paragraphs = "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
        msg.add_alternative(
            "<html><head><style>p{font-family:Helvetica}</style></head><body>"
            f"<table><tr><td>{paragraphs}</td></tr></table></body></html>",
            subtype="html",
        )
    return msg.as_bytes()


_WORDS = [
    "meeting",
    "project",
    "invoice",
    "holiday",
    "photos",
    "lunch",
    "report",
    "quarterly",
    "garden",
    "school",
    "football",
    "concert",
    "train",
    "tickets",
    "recipe",
    "family",
    "weekend",
    "update",
    "order",
    "shipped",
    "delivery",
    "newsletter",
]


def ordinary_mail(
    index: int, *, rng: random.Random | None = None, to: str = "me@example.org"
) -> bytes:
    """Return an ordinary, non-Meta mail (a few KB, sometimes with HTML)."""
    rng = rng or random.Random(index)
    msg = EmailMessage()
    msg["From"] = f"Friend {index} <friend{index % 97}@example.net>"
    msg["To"] = to
    msg["Subject"] = " ".join(rng.choice(_WORDS) for _ in range(5)).capitalize()
    msg["Date"] = format_datetime(
        datetime(2024, 1 + index % 12, 1 + index % 28, 8, index % 60, tzinfo=UTC)
    )
    msg["Message-ID"] = f"<ordinary-{index}@example.net>"
    text = "\n\n".join(
        " ".join(rng.choice(_WORDS) for _ in range(rng.randint(20, 60)))
        for _ in range(rng.randint(2, 8))
    )
    msg.set_content(text)
    if index % 3 == 0:
        msg.add_alternative(f"<html><body><p>{text}</p></body></html>", subtype="html")
    return msg.as_bytes()


def _delivery_time(raw: bytes) -> bytes:
    """The separator line's time, as a mail program writes it: when the message arrived."""
    from email.parser import BytesHeaderParser
    from email.utils import parsedate_to_datetime

    try:
        sent = parsedate_to_datetime(str(BytesHeaderParser().parsebytes(raw)["Date"]))
        return sent.astimezone(UTC).strftime("%a %b %d %H:%M:%S %Y").encode()
    except (TypeError, ValueError, OverflowError):
        return b"Thu Jan  1 00:00:00 2024"


def write_mbox(path, messages: list[bytes]) -> None:  # type: ignore[no-untyped-def]
    """Write `messages` as an mboxrd file (">From " quoting for body lines)."""
    with open(path, "wb") as out:
        for raw in messages:
            out.write(b"From MAILER-DAEMON " + _delivery_time(raw) + b"\n")
            for line in raw.replace(b"\r\n", b"\n").splitlines(keepends=True):
                if line.lstrip(b">").startswith(b"From "):
                    line = b">" + line
                out.write(line)
            if not raw.endswith(b"\n"):
                out.write(b"\n")
            out.write(b"\n")
