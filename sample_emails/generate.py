#!/usr/bin/env python3
"""Rebuild the sample mail corpus beside this script, or check it.

The .eml files, the archives and the expected JSON are the source of truth; this
script reproduces them byte for byte with the stdlib `email` package so that the
transfer encodings (quoted-printable, base64, 8bit) and the legacy charsets are
correct. It has no dependencies outside the standard library.

    python sample_emails/generate.py          # rewrite every file
    python sample_emails/generate.py --check  # exit 1 if a file differs or an expectation is wrong

`--check` decodes every mail with `email.message_from_bytes(policy=default)` and
checks the expected JSON against it: Date -> sent_at in UTC, To -> account,
Message-ID, the trust rule, and that the code's digits appear in the decoded text.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import re
import struct
import sys
import textwrap
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email import message_from_bytes
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent
FIELDS = (
    "kind",
    "platform",
    "account",
    "code",
    "sent_at",
    "message_id",
    "trusted",
    "code_purpose",
    "code_valid_minutes",
)
META_DOMAINS = (
    "facebook.com",
    "facebookmail.com",
    "fb.com",
    "meta.com",
    "metamail.com",
    "mail.instagram.com",
    "support.facebook.com",
    "support.instagram.com",
)


# --------------------------------------------------------------------------------------
# Small helpers: ids, header folding, RFC 2047 encoded words, a tiny PNG
# --------------------------------------------------------------------------------------


def digest(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def message_id(name: str, domain: str, style: str = "hex") -> str:
    """A stable, unique Message-ID (without angle brackets) for sample `name`."""
    h = digest(name)
    if style == "hex":
        return f"{h[:32]}@{domain}"
    if style == "dotted":
        return f"{h[:8]}.{h[8:10]}{h[10:18]}@{domain}"
    if style == "gmail":
        return f"CA+{base64.b64encode(bytes.fromhex(h[:36])).decode().replace('/', '_')}@mail.gmail.com"
    if style == "uuid":
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}@{domain}"
    raise ValueError(style)


def fake_b64(name: str, length: int) -> str:
    """Deterministic base64-looking noise (signatures, tokens)."""
    out = b""
    i = 0
    while len(out) * 4 // 3 < length + 4:
        out += hashlib.sha512(f"{name}/{i}".encode()).digest()
        i += 1
    return base64.b64encode(out).decode()[:length]


def fold(name: str, value: str, width: int = 78) -> str:
    """`Name: value` folded at spaces; values that already contain newlines are kept."""
    if "\n" in value:
        return f"{name}: {value}"
    lines: list[str] = []
    current = f"{name}:"
    for word in value.split(" "):
        if len(current) + 1 + len(word) > width and current.strip() not in ("", f"{name}:"):
            lines.append(current)
            current = " " + word
        else:
            current += " " + word
    lines.append(current)
    return "\n".join(lines)


def encoded_words(text: str, charset: str = "UTF-8", enc: str = "B", limit: int = 66) -> str:
    """RFC 2047 encoded words for `text`, split on character boundaries, folded."""
    codec = charset.lower()

    def one(chunk: str) -> str:
        raw = chunk.encode(codec)
        if enc == "B":
            payload = base64.b64encode(raw).decode()
        else:
            payload = ""
            for byte in raw:
                ch = chr(byte)
                if ch == " ":
                    payload += "_"
                elif byte < 128 and (ch.isalnum() or ch in "!*+-/"):
                    payload += ch
                else:
                    payload += f"={byte:02X}"
        return f"=?{charset}?{enc}?{payload}?="

    words: list[str] = []
    chunk = ""
    for ch in text:
        if chunk and len(one(chunk + ch)) > limit:
            words.append(one(chunk))
            chunk = ch
        else:
            chunk += ch
    if chunk:
        words.append(one(chunk))
    return "\n ".join(words)


def tiny_png(rgb: tuple[int, int, int], size: int = 16) -> bytes:
    """A solid-colour PNG, built by hand so it is byte-stable."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\x00" + bytes(rgb) * size
    raw = zlib.compress(row * size, 9)
    ihdr = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def utc_iso(date_header: str) -> str:
    return parsedate_to_datetime(date_header).astimezone(UTC).isoformat()


def rfc2822(dt: datetime) -> str:
    return dt.strftime("%a, %d %b %Y %H:%M:%S %z")


# --------------------------------------------------------------------------------------
# Bodies: a small content model rendered to plain text and to Meta-style HTML
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Code:
    display: str  # as the mail shows it: "731942", "418 207", "FB-56099"
    label: str = ""  # text before the code in the plain-text part


@dataclass(frozen=True)
class Button:
    label: str
    url: str


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Small:
    text: str  # fine print above the footer


Block = str | Code | Button | Heading | Bullets | Small


@dataclass(frozen=True)
class Content:
    lang: str
    preheader: str
    blocks: tuple[Block, ...]


FOOTERS = {
    "en": ("This message was sent to {addr}.", "Ireland"),
    "de": ("Diese Nachricht wurde an {addr} gesendet.", "Irland"),
    "fr": ("Ce message a été envoyé à {addr}.", "Irlande"),
    "es": ("Este mensaje se ha enviado a {addr}.", "Irlanda"),
    "it": ("Questo messaggio è stato inviato a {addr}.", "Irlanda"),
    "nl": ("Dit bericht is verzonden naar {addr}.", "Ierland"),
    "pl": ("Ta wiadomość została wysłana na adres {addr}.", "Irlandia"),
    "pt": ("Esta mensagem foi enviada para {addr}.", "Irlanda"),
    "sv": ("Det här meddelandet skickades till {addr}.", "Irland"),
}
US_ADDRESS = "Meta Platforms, Inc., Attention: Community Support, 1 Meta Way, Menlo Park, CA 94025"


def footer_lines(brand: str, lang: str, addr: str, *, us: bool = False) -> list[str]:
    sent_to, ireland = FOOTERS[lang[:2]]
    company = (
        US_ADDRESS
        if us
        else f"Meta Platforms Ireland Ltd., Merrion Road, Dublin 4, D04 X2K5, {ireland}"
    )
    lines = [sent_to.format(addr=addr)]
    if brand == "instagram":
        lines.append(f"© Instagram. {company}")
    elif brand == "threads":
        lines.append(f"© Threads. {company}")
    else:
        lines.append(company)
    lines.append("from Meta" if brand != "meta" else "Meta")
    return lines


def render_text(content: Content, footer: list[str], *, wrap: bool) -> str:
    def para(text: str) -> str:
        if not wrap:
            return text
        return textwrap.fill(text, width=76, break_long_words=False, break_on_hyphens=False)

    out: list[str] = []
    for block in content.blocks:
        if isinstance(block, str):
            out.append(para(block))
        elif isinstance(block, Small):
            out.append(para(block.text))
        elif isinstance(block, Heading):
            out.append(block.text)
        elif isinstance(block, Code):
            out.append(f"{block.label} {block.display}".strip())
        elif isinstance(block, Button):
            out.append(f"{block.label}:\n{block.url}")
        elif isinstance(block, Bullets):
            out.append("\n".join(para(f"- {item}") for item in block.items))
    out.append("=" * 12)
    out.append("\n".join(footer))
    return "\n\n".join(out) + "\n"


BRAND_STYLE = {
    "facebook": (
        "#1877f2",
        "Facebook",
        "https://static.xx.fbcdn.net/rsrc.php/v3/yp/r/Ek-3lq8hEQD.png",
    ),
    "instagram": (
        "#0095f6",
        "Instagram",
        "https://static.cdninstagram.com/rsrc.php/v3/yN/r/qL0kYkU5FFu.png",
    ),
    "threads": (
        "#000000",
        "Threads",
        "https://static.cdninstagram.com/rsrc.php/v3/yQ/r/threads-logo.png",
    ),
    "meta": ("#0064e0", "Meta", "https://static.xx.fbcdn.net/rsrc.php/v3/yW/r/meta-logo-email.png"),
}

HTML_HEAD = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" lang="@LANG@">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=@CHARSET@" />
<meta name="viewport" content="width=device-width, initial-scale=1.0" />
<title>@TITLE@</title>
<style type="text/css">
body { margin: 0; padding: 0; -webkit-text-size-adjust: 100%; -ms-text-size-adjust: 100%; }
table { border-collapse: collapse; mso-table-lspace: 0pt; mso-table-rspace: 0pt; }
img { border: 0; outline: none; text-decoration: none; display: block; }
.mb_text { font-family: Helvetica, Arial, sans-serif; font-size: 16px; line-height: 21px; color: #1c1e21; }
.mb_heading { font-family: Helvetica, Arial, sans-serif; font-size: 20px; line-height: 26px; font-weight: bold; color: #1c1e21; }
.mb_code { font-family: Helvetica, Arial, sans-serif; font-size: 26px; letter-spacing: 3px; font-weight: bold; color: #1c1e21; }
.mb_small { font-family: Helvetica, Arial, sans-serif; font-size: 12px; line-height: 16px; color: #65676b; }
.mb_footer { font-family: Helvetica, Arial, sans-serif; font-size: 11px; line-height: 16px; color: #8a8d91; }
a.mb_button { display: inline-block; padding: 10px 20px; border-radius: 6px; color: #ffffff !important; text-decoration: none; font-weight: bold; }
@media only screen and (max-width: 480px) {
  .mb_wrap { width: 100% !important; }
  .mb_code { font-size: 22px !important; }
}
</style>
</head>
"""


def render_html(
    content: Content,
    footer: list[str],
    *,
    brand: str,
    charset: str,
    title: str,
    logo_src: str | None,
) -> str:
    colour, brand_name, logo_url = BRAND_STYLE[brand]
    e = html.escape
    rows: list[str] = []
    for block in content.blocks:
        if isinstance(block, str):
            rows.append(f'<tr><td class="mb_text" style="padding:0 0 16px 0;">{e(block)}</td></tr>')
        elif isinstance(block, Small):
            rows.append(
                f'<tr><td class="mb_small" style="padding:0 0 16px 0;">{e(block.text)}</td></tr>'
            )
        elif isinstance(block, Heading):
            rows.append(
                f'<tr><td class="mb_heading" style="padding:0 0 12px 0;">{e(block.text)}</td></tr>'
            )
        elif isinstance(block, Code):
            if block.label:
                rows.append(
                    f'<tr><td class="mb_text" style="padding:0 0 8px 0;">{e(block.label)}</td></tr>'
                )
            rows.append(
                '<tr><td style="padding:0 0 20px 0;"><table border="0" cellspacing="0" cellpadding="0">'
                '<tr><td style="background-color:#f2f2f2;border:1px solid #ccd0d5;border-radius:6px;padding:12px 24px;">'
                f'<span class="mb_code">{e(block.display)}</span></td></tr></table></td></tr>'
            )
        elif isinstance(block, Button):
            rows.append(
                '<tr><td style="padding:4px 0 20px 0;"><table border="0" cellspacing="0" cellpadding="0"><tr>'
                f'<td style="background-color:{colour};border-radius:6px;">'
                f'<a class="mb_button" href="{e(block.url)}" style="color:#ffffff;text-decoration:none;'
                f'background-color:{colour};">{e(block.label)}</a></td></tr></table></td></tr>'
            )
        elif isinstance(block, Bullets):
            items = "".join(
                f'<li style="padding:0 0 6px 0;">{e(item)}</li>' for item in block.items
            )
            rows.append(
                f'<tr><td class="mb_text" style="padding:0 0 16px 0;"><ul style="margin:0;padding-left:20px;">{items}</ul></td></tr>'
            )
    foot = "<br />".join(e(line) for line in footer)
    src = logo_src or logo_url
    head = (
        HTML_HEAD.replace("@LANG@", content.lang)
        .replace("@CHARSET@", charset)
        .replace("@TITLE@", e(title))
    )
    body = (
        '<body style="margin:0;padding:0;" dir="ltr" bgcolor="#ffffff">\n'
        '<span class="mb_preheader" style="display:none !important;visibility:hidden;mso-hide:all;'
        'font-size:1px;color:#ffffff;line-height:1px;max-height:0px;max-width:0px;opacity:0;overflow:hidden;">'
        f"{e(content.preheader)}</span>\n"
        '<table border="0" width="100%" cellspacing="0" cellpadding="0" id="email_table" style="border-collapse:collapse;">\n'
        '<tr><td id="email_content" align="center" style="background:#ffffff;">\n'
        '<table class="mb_wrap" border="0" width="600" cellspacing="0" cellpadding="0" style="border-collapse:collapse;max-width:600px;">\n'
        '<tr><td height="20" style="line-height:20px;">&nbsp;</td></tr>\n'
        f'<tr><td style="padding:0 0 20px 0;"><img src="{e(src)}" width="32" height="32" alt="{brand_name}" /></td></tr>\n'
        + "\n".join(rows)
        + "\n"
        '<tr><td style="border-top:1px solid #e4e6eb;padding:16px 0 0 0;" class="mb_footer">'
        f"{foot}</td></tr>\n"
        '<tr><td height="20" style="line-height:20px;">&nbsp;</td></tr>\n'
        "</table>\n</td></tr>\n</table>\n</body>\n</html>\n"
    )
    return head + body


# --------------------------------------------------------------------------------------
# Assembling a message: our header block verbatim, the MIME tree from the stdlib
# --------------------------------------------------------------------------------------


def policy_for(linesep: str):
    return default_policy.clone(max_line_length=76, linesep=linesep, refold_source="none")


def flatten(msg: EmailMessage, linesep: str) -> bytes:
    buf = io.BytesIO()
    BytesGenerator(buf, policy=policy_for(linesep)).flatten(msg, unixfrom=False)
    return buf.getvalue()


def assemble(
    headers: list[tuple[str, str]],
    body: EmailMessage | None,
    linesep: str,
    *,
    text_only: str | None = None,
) -> bytes:
    """Our headers (in order, verbatim) + MIME-Version + the body's own MIME headers and payload."""
    top = "\n".join(fold(name, value) for name, value in headers).replace("\n", linesep)
    if body is None:  # a pre-MIME plain mail
        assert text_only is not None
        return (top + linesep + linesep + text_only.replace("\n", linesep)).encode("ascii")
    raw = flatten(body, linesep)
    sep = linesep.encode()
    head, _, payload = raw.partition(sep + sep)
    fields: list[bytes] = []
    for line in head.split(sep):
        if line[:1] in (b" ", b"\t"):
            fields[-1] += sep + line
        else:
            fields.append(line)
    fields = [f for f in fields if not f.lower().startswith(b"mime-version:")]
    return (
        top.encode("ascii")
        + sep
        + b"MIME-Version: 1.0"
        + sep
        + sep.join(fields)
        + sep
        + sep
        + payload
    )


def new_message(linesep: str) -> EmailMessage:
    return EmailMessage(policy=policy_for(linesep))


def text_body(
    linesep: str,
    *,
    text: str | None,
    html_text: str | None,
    charset: str,
    cte: str,
    html_cte: str | None = None,
    structure: str = "alternative",
    boundary: str = "",
    image: tuple[bytes, str] | None = None,
) -> EmailMessage:
    """plain / html / alternative / related (html + inline image inside the alternative)."""
    msg = new_message(linesep)
    if structure == "plain":
        msg.set_content(text, subtype="plain", charset=charset, cte=cte)
    elif structure == "html":
        msg.set_content(html_text, subtype="html", charset=charset, cte=cte)
    elif structure in ("alternative", "related"):
        msg.set_content(text, subtype="plain", charset=charset, cte=cte)
        msg.add_alternative(html_text, subtype="html", charset=charset, cte=html_cte or cte)
        msg.set_boundary(f"b1_{boundary}")
        if structure == "related":
            assert image is not None
            png, cid = image
            html_part = list(msg.iter_parts())[1]
            html_part.add_related(
                png, "image", "png", cid=f"<{cid}>", disposition="inline", filename="logo.png"
            )
            html_part.set_boundary(f"b2_{boundary}")
    else:
        raise ValueError(structure)
    drop_inner_mime_version(msg)
    return msg


def drop_inner_mime_version(msg: EmailMessage) -> None:
    """EmailMessage stamps MIME-Version on every part it creates; real mail has it only at the top."""
    for part in msg.walk():
        if part is not msg:
            del part["MIME-Version"]


# --------------------------------------------------------------------------------------
# Senders and transport headers
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sender:
    display: str
    address: str
    platform: str  # expected platform
    brand: str  # logo / colours / footer
    dkim_domain: str
    selector: str
    ip: str
    mta_host: str
    mid_domain: str


SENDERS = {
    "fb-notification": Sender(
        "Facebook",
        "notification@facebookmail.com",
        "facebook",
        "facebook",
        "facebookmail.com",
        "s1024-2013-q3",
        "66.220.144.178",
        "66-220-144-178.mail-mail.facebook.com",
        "facebookmail.com",
    ),
    "fb-security": Sender(
        "Facebook",
        "security@facebookmail.com",
        "facebook",
        "facebook",
        "facebookmail.com",
        "s1024-2013-q3",
        "69.171.232.143",
        "69-171-232-143.mail-mail.facebook.com",
        "facebookmail.com",
    ),
    "fb-registration": Sender(
        "Facebook",
        "registration@facebookmail.com",
        "facebook",
        "facebook",
        "facebookmail.com",
        "s1024-2013-q3",
        "66.220.155.152",
        "66-220-155-152.mail-mail.facebook.com",
        "facebookmail.com",
    ),
    "fb-priority": Sender(
        "Facebook",
        "notification@priority.facebookmail.com",
        "facebook",
        "facebook",
        "facebookmail.com",
        "s1024-2013-q3",
        "69.171.232.130",
        "69-171-232-130.mail-mail.facebook.com",
        "facebookmail.com",
    ),
    "fb-support": Sender(
        "Facebook",
        "noreply@support.facebook.com",
        "facebook",
        "facebook",
        "facebook.com",
        "s1",
        "66.220.144.150",
        "66-220-144-150.mail-mail.facebook.com",
        "support.facebook.com",
    ),
    "meta-pay": Sender(
        "Meta Pay",
        "noreply@support.facebook.com",
        "facebook",
        "facebook",
        "facebook.com",
        "s1",
        "66.220.144.151",
        "66-220-144-151.mail-mail.facebook.com",
        "support.facebook.com",
    ),
    "ig-noreply": Sender(
        "Instagram",
        "no-reply@mail.instagram.com",
        "instagram",
        "instagram",
        "mail.instagram.com",
        "s1024-2013-q3",
        "66.220.155.170",
        "66-220-155-170.mail-mail.facebook.com",
        "mail.instagram.com",
    ),
    "ig-security": Sender(
        "Instagram",
        "security@mail.instagram.com",
        "instagram",
        "instagram",
        "mail.instagram.com",
        "s1024-2013-q3",
        "69.171.232.146",
        "69-171-232-146.mail-mail.facebook.com",
        "mail.instagram.com",
    ),
    "ig-support": Sender(
        "Instagram",
        "no-reply@support.instagram.com",
        "instagram",
        "instagram",
        "instagram.com",
        "s1",
        "66.220.144.161",
        "66-220-144-161.mail-mail.facebook.com",
        "support.instagram.com",
    ),
    "threads-security": Sender(
        "Threads",
        "security@mail.instagram.com",
        "threads",
        "threads",
        "mail.instagram.com",
        "s1024-2013-q3",
        "69.171.232.147",
        "69-171-232-147.mail-mail.facebook.com",
        "mail.instagram.com",
    ),
    "meta-noreply": Sender(
        "Meta",
        "noreply@meta.com",
        "meta",
        "meta",
        "meta.com",
        "s2048-2023-q1",
        "66.220.144.190",
        "66-220-144-190.mail-mail.facebook.com",
        "meta.com",
    ),
    "meta-account": Sender(
        "Meta",
        "security@account.meta.com",
        "meta",
        "meta",
        "meta.com",
        "s2048-2023-q1",
        "66.220.144.191",
        "66-220-144-191.mail-mail.facebook.com",
        "account.meta.com",
    ),
    "metamail": Sender(
        "Meta",
        "no-reply@global.metamail.com",
        "meta",
        "meta",
        "metamail.com",
        "s2048",
        "69.171.232.160",
        "69-171-232-160.mail-mail.facebook.com",
        "metamail.com",
    ),
}


def recipient_domain(to: str) -> str:
    return parseaddr(to)[1].split("@")[1].lower()


def received_local(to: str, when: datetime, name: str, envelope: str) -> tuple[str, str]:
    """The provider's last hop, mx -> mailbox store (Dovecot LMTP)."""
    domain = recipient_domain(to)
    addr = parseaddr(to)[1].lower()
    lmtp_id = fake_b64(name + "lmtp", 22).replace("/", "x").replace("+", "y")
    return (
        "Received",
        f"from mx.{domain} ([192.0.2.25])\n\tby imap.{domain} with LMTP\n\tid {lmtp_id}\n\t(envelope-from <{envelope}>)\n\tfor <{addr}>; {rfc2822(when + timedelta(seconds=1))}",
    )


def auth_results(
    to: str,
    verdict: str,
    sender: Sender,
    name: str,
    *,
    envelope: str | None = None,
    ip: str | None = None,
) -> tuple[str, str]:
    """The receiving provider's Authentication-Results for a mail that claims `sender`."""
    domain = recipient_domain(to)
    frm = sender.address.split("@")[1]
    header_b = fake_b64(name + "hb", 8)
    envelope = envelope or sender.address
    bits = 1024 if "1024" in sender.selector else 2048
    if verdict == "pass":
        value = (
            f"mx.{domain};\n"
            f"\tdkim=pass ({bits}-bit key; unprotected) header.d={sender.dkim_domain} header.i=@{sender.dkim_domain} header.s={sender.selector} header.b={header_b};\n"
            f"\tspf=pass (mx.{domain}: domain of {envelope} designates {sender.ip} as permitted sender) smtp.mailfrom={envelope};\n"
            f"\tdmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from={frm}"
        )
    elif verdict == "fail":
        value = (
            f"mx.{domain};\n"
            f'\tdkim=fail reason="signature verification failed" (1024-bit key) header.d={sender.dkim_domain} header.i=@{sender.dkim_domain} header.b={header_b};\n'
            f"\tspf=fail (mx.{domain}: domain of {envelope} does not designate {ip} as permitted sender) smtp.mailfrom={envelope};\n"
            f"\tdmarc=fail (p=REJECT sp=REJECT dis=QUARANTINE) header.from={frm}"
        )
    elif (
        verdict == "dmarc-fail"
    ):  # DKIM passes for the attacker's own domain, DMARC alignment fails
        value = (
            f"mx.{domain};\n"
            f"\tdkim=pass (2048-bit key) header.d=mailer-relay-eu.com header.i=@mailer-relay-eu.com header.b={header_b};\n"
            f"\tspf=pass (mx.{domain}: domain of {envelope} designates {ip} as permitted sender) smtp.mailfrom={envelope};\n"
            f"\tdmarc=fail (p=REJECT sp=REJECT dis=QUARANTINE) header.from={frm}"
        )
    else:
        raise ValueError(verdict)
    return ("Authentication-Results", value)


def dkim_signature(sender: Sender, when: datetime, name: str) -> tuple[str, str]:
    b = fake_b64(name + "dkim", 172)
    b_lines = "\n\t ".join(b[i : i + 64] for i in range(0, len(b), 64))
    return (
        "DKIM-Signature",
        f"v=1; a=rsa-sha256; c=relaxed/simple; d={sender.dkim_domain};\n"
        f"\ts={sender.selector}; t={int(when.timestamp())};\n"
        f"\tbh={fake_b64(name + 'bh', 43)}=;\n"
        "\th=Date:To:Subject:Message-ID:From:MIME-Version:Content-Type;\n"
        f"\tb={b_lines}",
    )


@dataclass
class Sample:
    path: str  # relative, without extension
    description: str
    data: bytes
    expected: dict
    extension: str = ".eml"
    linesep: str = "\n"


SAMPLES: list[Sample] = []


def expected(
    *,
    kind: str,
    platform: str | None,
    to: str,
    code: str | None,
    sent_at: str | None,
    mid: str,
    trusted: bool,
    purpose: str | None = None,
    minutes: int | None = None,
    error: str | None = None,
) -> dict:
    out = {
        "kind": kind,
        "platform": platform,
        "account": parseaddr(to)[1].lower(),
        "code": code,
        "sent_at": sent_at,
        "message_id": mid,
        "trusted": trusted,
        "code_purpose": purpose,
        "code_valid_minutes": minutes,
    }
    if error is not None:
        out["error"] = error
    return out


NOTIFY = {
    "notice": "ai_at_meta_right_to_object",
    "code": "confirmation_code",
    "received": "privacy_request_update",
    "info_requested": "privacy_request_update",
    "approved": "privacy_request_update",
    "rejected": "privacy_request_update",
    "other": "account_update",
}


def meta_mail(
    path: str,
    description: str,
    *,
    sender: str,
    to: str,
    date: str | None,
    sent_at: str | None,
    subject: str,
    content: Content,
    kind: str,
    code: str | None = None,
    purpose: str | None = None,
    minutes: int | None = None,
    structure: str = "alternative",
    charset: str = "utf-8",
    cte: str = "quoted-printable",
    html_cte: str | None = None,
    crlf: bool = False,
    subject_enc: tuple[str, str] | None = None,
    verdict: str = "pass",
    forged_pass_below: bool = False,
    spoof_ip: str = "185.234.72.19",
    us_footer: bool = False,
    mid_style: str = "hex",
    received_at: str | None = None,
    store: bool = True,
    error: str | None = None,
    notify: str | None = None,
    extra_headers: tuple[tuple[str, str], ...] = (),
    charset_override: str | None = None,
) -> Sample:
    """A mail as Meta sends it (or as a spoofer forges it, with `verdict` fail)."""
    s = SENDERS[sender]
    linesep = "\r\n" if crlf else "\n"
    mid = message_id(path, s.mid_domain, mid_style)
    stamp = date or received_at
    assert stamp is not None, "a mail without Date needs received_at"
    sent = parsedate_to_datetime(stamp)
    arrival = (sent + timedelta(seconds=3)).astimezone(UTC)
    addr = parseaddr(to)[1]
    footer = footer_lines(s.brand, content.lang, addr.lower(), us=us_footer)
    try:
        "\n".join(footer).encode(charset)
    except UnicodeEncodeError:  # ISO-8859-2 has no copyright sign
        footer = [line.replace("©", "(c)") for line in footer]
    wrap = cte in ("7bit", "8bit")
    text = render_text(content, footer, wrap=wrap)
    cid = f"logo.{digest(path)[:12]}@{s.mid_domain}"
    title = subject
    html_text = render_html(
        content,
        footer,
        brand=s.brand,
        charset=charset_override or charset,
        title=title,
        logo_src=f"cid:{cid}" if structure == "related" else None,
    )
    body = text_body(
        linesep,
        text=text,
        html_text=html_text,
        charset=charset,
        cte=cte,
        html_cte=html_cte,
        structure=structure,
        boundary=digest(path)[:32],
        image=(tiny_png((0x18, 0x77, 0xF2) if s.brand == "facebook" else (0xE1, 0x30, 0x6C)), cid),
    )

    if subject_enc:
        subj = encoded_words(subject, subject_enc[0], subject_enc[1])
    elif subject.isascii():
        subj = subject
    else:
        subj = encoded_words(subject, "UTF-8", "B")

    # a spoofer whose DKIM passes for its own relay domain bounces to that domain too
    envelope = "bounces@mailer-relay-eu.com" if verdict == "dmarc-fail" else s.address
    headers: list[tuple[str, str]] = [
        ("Return-Path", f"<{envelope}>"),
        ("Delivered-To", addr.lower()),
        received_local(to, arrival, path, envelope),
    ]
    if verdict == "pass":
        headers.append(auth_results(to, "pass", s, path))
        mta_from = f"{s.mta_host} ({s.mta_host} [{s.ip}])"
    else:
        headers.append(auth_results(to, verdict, s, path, envelope=envelope, ip=spoof_ip))
        mta_from = f"vps-{spoof_ip.replace('.', '-')}.hosted-cloud.net (vps-{spoof_ip.replace('.', '-')}.hosted-cloud.net [{spoof_ip}])"
    headers.append(
        (
            "Received",
            f"from {mta_from}\n\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\n"
            f"\tby mx.{recipient_domain(to)} (Postfix) with ESMTPS id {digest(path + 'q')[:12].upper()}\n"
            f"\tfor <{addr.lower()}>; {rfc2822(arrival)}",
        )
    )
    if forged_pass_below:
        # what the spoofer wrote into the message itself; it sits below the provider's verdict
        forged = auth_results(to, "pass", s, path + "forged")
        headers.append(forged)
    headers.append(dkim_signature(s, sent, path))
    pacific = timezone(timedelta(hours=-7))
    headers.append(
        (
            "Received",
            f"from facebook.com ({fake_b64(path + 'thrift', 64)} 2a03:2880:ff:{int(digest(path)[:2], 16):x}::face:b00c)\n"
            f"\tby facebook.com with Thrift id {digest(path + 't')[:32]}-{digest(path + 'u')[:8]};\n"
            f"\t{rfc2822(sent.astimezone(pacific))}",
        )
    )
    headers.append(
        (
            "X-Facebook",
            "from 2a03:2880:ff:1a::face:b00c ([MTI3LjAuMC4x])\n\tby www.facebook.com with HTTP (ZuckMail);",
        )
    )
    if date:
        headers.append(("Date", date))
    headers += [
        ("To", to),
        ("From", f'"{s.display}" <{s.address}>'),
        ("Reply-to", f"noreply <noreply@{s.address.split('@')[1]}>"),
        ("Subject", subj),
        ("Message-ID", f"<{mid}>"),
        ("X-Priority", "3"),
        ("X-Mailer", "ZuckMail [version 1.00]"),
        ("Errors-To", s.address),
        ("X-Facebook-Notify", f"{notify or NOTIFY[kind]}; mailid={digest(path + 'mail')[:30]}"),
        ("X-FACEBOOK-PRIORITY", "0" if kind == "code" else "1"),
        ("X-Auto-Response-Suppress", "All"),
        ("Feedback-ID", f"0:{notify or NOTIFY[kind]}:{s.brand.capitalize()}"),
    ]
    headers += list(extra_headers)
    data = assemble(headers, body, linesep)
    if charset_override:
        data = data.replace(
            f'charset="{charset}"'.encode(), f'charset="{charset_override}"'.encode()
        )
    trusted = verdict == "pass"
    sample = Sample(
        path,
        description,
        data,
        expected(
            kind=kind,
            platform=s.platform,
            to=to,
            code=code if trusted else None,
            sent_at=sent_at,
            mid=mid,
            trusted=trusted,
            purpose=purpose if trusted else None,
            minutes=minutes if trusted else None,
            error=error,
        ),
        linesep=linesep,
    )
    if store:
        SAMPLES.append(sample)
    return sample


def plain_mail(
    path: str,
    description: str,
    *,
    headers: list[tuple[str, str]],
    mid: str,
    to: str,
    sent_at: str,
    text: str | None = None,
    html_text: str | None = None,
    charset: str = "utf-8",
    cte: str = "7bit",
    structure: str = "plain",
    crlf: bool = False,
    attachment: bytes | None = None,
    attachment_text: str | None = None,
    store: bool = True,
    no_mime: bool = False,
) -> Sample:
    """A mail from anyone but Meta: always kind `other`, untrusted, no platform, no code."""
    linesep = "\r\n" if crlf else "\n"
    if no_mime:
        data = assemble(headers, None, linesep, text_only=text)
    elif attachment is not None:
        msg = new_message(linesep)
        msg.set_content(attachment_text, subtype="plain", charset=charset, cte=cte)
        inner = message_from_bytes(attachment, policy=policy_for(linesep))
        msg.add_attachment(inner, cte="7bit")
        msg.set_boundary(f"000000000000{digest(path)[:16]}")
        for part in msg.iter_parts():
            del part["MIME-Version"]
        data = assemble(headers, msg, linesep)
    else:
        body = text_body(
            linesep,
            text=text,
            html_text=html_text,
            charset=charset,
            cte=cte,
            structure=structure,
            boundary=digest(path)[:28],
        )
        data = assemble(headers, body, linesep)
    sample = Sample(
        path,
        description,
        data,
        expected(
            kind="other", platform=None, to=to, code=None, sent_at=sent_at, mid=mid, trusted=False
        ),
        linesep=linesep,
    )
    if store:
        SAMPLES.append(sample)
    return sample


def outside_trace(
    to: str, *, helo: str, ip: str, auth: str, when: datetime, name: str, envelope: str
) -> list[tuple[str, str]]:
    """Received + Authentication-Results as the recipient's provider writes them for outside mail."""
    domain = recipient_domain(to)
    addr = parseaddr(to)[1].lower()
    return [
        received_local(to, when, name, envelope),
        ("Authentication-Results", f"mx.{domain};\n\t{auth}"),
        (
            "Received",
            f"from {helo} ({helo} [{ip}])\n\t(using TLSv1.3 with cipher TLS_AES_128_GCM_SHA256 (128/128 bits))\n"
            f"\tby mx.{domain} (Postfix) with ESMTPS id {digest(name + 'q')[:12].upper()}\n"
            f"\tfor <{addr}>; {rfc2822(when)}",
        ),
    ]


# ======================================================================================
# The corpus
# ======================================================================================

FB_FORM_2024 = "https://www.facebook.com/help/contact/6359191084165019"
FB_FORM_2025 = "https://www.facebook.com/help/contact/712876720715583"
IG_FORM_2024 = "https://help.instagram.com/contact/233964459562201"
IG_FORM_2025 = "https://help.instagram.com/contact/767264225370182"
THIRD_PARTY_FORM = "https://www.facebook.com/help/contact/510058597920541"


# --- notices, per language ------------------------------------------------------------


def notice_en_gb(name: str) -> Content:
    return Content(
        "en-GB",
        "We're getting ready to expand our AI at Meta experiences.",
        (
            f"Hi {name},",
            "We're getting ready to expand our AI at Meta experiences to the UK. AI at Meta is our collection of "
            "generative AI features and experiences, such as Meta AI and AI creative tools, along with the models that power them.",
            Heading("What this means for you"),
            "To help bring these experiences to you, we'll now rely on the legal basis called legitimate interests for "
            "using your information to develop and improve AI at Meta. This means that you have the right to object to "
            "how your information is used for these purposes. If your objection is honoured, it will be applied from then on.",
            "We'll use public information, such as public posts and comments, or public photos and captions, from accounts "
            "of people aged 18 or over. We don't use the content of your private messages with friends and family to train our AIs.",
            Button("Learn more about your right to object", FB_FORM_2024),
            "If you've already objected, you don't need to submit another request.",
            "Thanks, the Privacy team at Meta",
        ),
    )


def notice_de(name: str, form: str, team: str) -> Content:
    return Content(
        "de",
        "Du hast das Recht, der Verwendung deiner Informationen zu widersprechen.",
        (
            f"Hallo {name},",
            "wir bereiten uns darauf vor, KI bei Meta in der EU auszubauen. KI bei Meta ist unsere Sammlung von Features "
            "und Erlebnissen mit generativer KI, zum Beispiel Meta AI und KI-Kreativtools, sowie der Modelle, auf denen sie basieren.",
            Heading("Was das für dich bedeutet"),
            "Um dir diese Erlebnisse anbieten zu können, stützen wir uns bei der Verwendung deiner Informationen für die "
            "Entwicklung und Verbesserung von KI bei Meta künftig auf die Rechtsgrundlage der berechtigten Interessen. Wir "
            "verwenden öffentliche Informationen wie öffentliche Beiträge und Kommentare von Konten von Personen ab 18 Jahren "
            "sowie deine Interaktionen mit KI bei Meta.",
            "Du hast das Recht, der Verwendung deiner Informationen für diese Zwecke zu widersprechen. Wenn wir deinem "
            "Widerspruch nachkommen, gilt er ab diesem Zeitpunkt.",
            Button("Mehr über dein Widerspruchsrecht erfahren", form),
            "Falls du bereits widersprochen hast, musst du keinen weiteren Widerspruch einlegen.",
            f"Vielen Dank, {team}",
        ),
    )


def notice_fr(name: str) -> Content:
    return Content(
        "fr",
        "Vous avez le droit de vous opposer à l'utilisation de vos informations.",
        (
            f"Bonjour {name},",
            "Nous nous préparons à étendre l'IA chez Meta dans l'Union européenne. L'IA chez Meta est notre ensemble de "
            "fonctionnalités et d'expériences d'IA générative, comme Meta AI et les outils de création basés sur l'IA, "
            "ainsi que les modèles qui les font fonctionner.",
            Heading("Ce que cela signifie pour vous"),
            "Pour vous proposer ces expériences, nous nous appuierons désormais sur la base juridique des intérêts "
            "légitimes pour utiliser vos informations afin de développer et d'améliorer l'IA chez Meta. Nous utiliserons "
            "des informations publiques, comme les publications et commentaires publics des comptes de personnes âgées de "
            "18 ans ou plus, ainsi que vos interactions avec l'IA chez Meta.",
            "Vous avez le droit de vous opposer à l'utilisation de vos informations à ces fins. Si votre opposition est "
            "acceptée, elle s'appliquera à partir de ce moment-là.",
            Button("En savoir plus sur votre droit d'opposition", FB_FORM_2025),
            "Si vous vous êtes déjà opposé(e), vous n'avez pas besoin d'envoyer une nouvelle demande.",
            "Merci, l'équipe Confidentialité de Meta",
        ),
    )


def notice_es(name: str) -> Content:
    return Content(
        "es",
        "Tienes derecho a oponerte al uso de tu información.",
        (
            f"Hola, {name}:",
            "Nos estamos preparando para ampliar la IA en Meta en la Unión Europea. La IA en Meta es nuestro conjunto de "
            "funciones y experiencias de IA generativa, como Meta AI y las herramientas creativas de IA, junto con los "
            "modelos en los que se basan.",
            Heading("Qué significa esto para ti"),
            "Para ofrecerte estas experiencias, a partir de ahora nos basaremos en el interés legítimo como base legal "
            "para usar tu información con el fin de desarrollar y mejorar la IA en Meta. Usaremos información pública, "
            "como publicaciones y comentarios públicos de cuentas de personas mayores de 18 años, así como tus "
            "interacciones con la IA en Meta.",
            "Tienes derecho a oponerte al uso de tu información para estos fines. Si se acepta tu oposición, se aplicará "
            "a partir de ese momento.",
            Button("Más información sobre tu derecho de oposición", FB_FORM_2025),
            "Si ya te has opuesto, no es necesario que envíes otra solicitud.",
            "Gracias, el equipo de privacidad de Meta",
        ),
    )


def notice_it(name: str, form: str, *, year: int) -> Content:
    where = "nell'Unione europea" if year == 2025 else "nella tua area geografica"
    return Content(
        "it",
        "Hai il diritto di opporti all'uso delle tue informazioni.",
        (
            f"Ciao {name},",
            f"ci stiamo preparando a estendere l'IA in Meta {where}. L'IA in Meta è la nostra raccolta di funzioni ed "
            "esperienze di IA generativa, come Meta AI e gli strumenti creativi basati sull'IA, insieme ai modelli che le "
            "rendono possibili.",
            Heading("Cosa significa per te"),
            "Per offrirti queste esperienze, d'ora in poi ci baseremo sul legittimo interesse come base giuridica per "
            "usare le tue informazioni al fine di sviluppare e migliorare l'IA in Meta. Useremo informazioni pubbliche, "
            "come post e commenti pubblici degli account di persone maggiorenni, e le tue interazioni con l'IA in Meta.",
            "Hai il diritto di opporti all'uso delle tue informazioni per queste finalità. Se la tua opposizione verrà "
            "accolta, sarà applicata d'ora in avanti.",
            Button("Scopri di più sul tuo diritto di opposizione", form),
            "Se ti sei già opposto, non devi inviare un'altra richiesta.",
            "Grazie, il team di Instagram",
        ),
    )


def notice_nl(name: str) -> Content:
    return Content(
        "nl",
        "Je hebt het recht om bezwaar te maken tegen het gebruik van je gegevens.",
        (
            f"Hallo {name},",
            "We bereiden ons voor om AI bij Meta uit te breiden in de Europese Unie. AI bij Meta is onze verzameling "
            "functies en ervaringen met generatieve AI, zoals Meta AI en creatieve AI-tools, samen met de modellen "
            "waarop ze draaien.",
            Heading("Wat dit voor jou betekent"),
            "Om je deze ervaringen te kunnen bieden, baseren we ons voortaan op de rechtsgrond gerechtvaardigd belang om "
            "je gegevens te gebruiken voor het ontwikkelen en verbeteren van AI bij Meta. We gebruiken openbare "
            "informatie, zoals openbare berichten en reacties van accounts van personen van 18 jaar of ouder, en je "
            "interacties met AI bij Meta.",
            "Je hebt het recht om bezwaar te maken tegen het gebruik van je gegevens voor deze doeleinden. Als we je "
            "bezwaar honoreren, wordt het vanaf dat moment toegepast.",
            Button("Meer informatie over je recht van bezwaar", FB_FORM_2025),
            "Als je al bezwaar hebt gemaakt, hoef je geen nieuw verzoek in te dienen.",
            "Bedankt, het privacyteam van Meta",
        ),
    )


def notice_pl(name: str) -> Content:
    return Content(
        "pl",
        "Masz prawo sprzeciwić się wykorzystywaniu Twoich informacji.",
        (
            f"Cześć {name},",
            "przygotowujemy się do rozszerzenia AI w Meta w Unii Europejskiej. AI w Meta to nasz zbiór funkcji i "
            "doświadczeń opartych na generatywnej sztucznej inteligencji, takich jak Meta AI i kreatywne narzędzia AI, "
            "a także modeli, na których się opierają.",
            Heading("Co to oznacza dla Ciebie"),
            "Aby udostępniać Ci te funkcje, będziemy od teraz wykorzystywać Twoje informacje do rozwijania i ulepszania "
            "AI w Meta na podstawie prawnie uzasadnionych interesów. Wykorzystamy informacje publiczne, takie jak "
            "publiczne posty i komentarze z kont osób w wieku 18 lat lub starszych, a także Twoje interakcje z AI w Meta.",
            "Masz prawo sprzeciwić się wykorzystywaniu Twoich informacji do tych celów. Jeśli Twój sprzeciw zostanie "
            "uwzględniony, będzie stosowany od tego momentu.",
            Button("Dowiedz się więcej o prawie do sprzeciwu", FB_FORM_2025),
            "Jeśli już zgłosiłaś lub zgłosiłeś sprzeciw, nie musisz wysyłać kolejnego wniosku.",
            "Dziękujemy, Zespół ds. prywatności Meta",
        ),
    )


def notice_pt(name: str) -> Content:
    return Content(
        "pt-PT",
        "Tem o direito de se opor à utilização das suas informações.",
        (
            f"Olá, {name},",
            "Estamos a preparar-nos para expandir a “IA na Meta” na União Europeia. A IA na Meta é o nosso conjunto de "
            "funcionalidades e experiências de IA generativa – como a Meta AI e as ferramentas criativas de IA – "
            "juntamente com os modelos que as suportam.",
            Heading("O que isto significa para si"),
            "Para lhe proporcionar estas experiências, vamos passar a basear-nos nos interesses legítimos como "
            "fundamento jurídico para utilizar as suas informações para desenvolver e melhorar a IA na Meta. Vamos "
            "utilizar informações públicas, como publicações e comentários públicos de contas de pessoas com 18 ou mais "
            "anos, bem como as suas interações com a IA na Meta.",
            "Tem o direito de se opor à utilização das suas informações para estes fins. Se a sua oposição for aceite, "
            "será aplicada a partir desse momento.",
            Button("Saiba mais sobre o seu direito de oposição", IG_FORM_2025),
            "Se já se opôs, não precisa de enviar outro pedido.",
            "Obrigado, a equipa do Instagram",
        ),
    )


def notice_sv(name: str, form: str, team: str) -> Content:
    return Content(
        "sv",
        "Du har rätt att invända mot att din information används.",
        (
            f"Hej {name}!",
            "Vi förbereder oss för att utöka AI hos Meta i EU. AI hos Meta är vår samling av funktioner och upplevelser "
            "med generativ AI, som Meta AI och kreativa AI-verktyg, tillsammans med modellerna som driver dem.",
            Heading("Vad det här innebär för dig"),
            "För att kunna erbjuda dig de här upplevelserna kommer vi nu att stödja oss på den rättsliga grunden "
            "berättigat intresse när vi använder din information för att utveckla och förbättra AI hos Meta. Vi "
            "använder offentlig information, som offentliga inlägg och kommentarer från konton som tillhör personer som "
            "är 18 år eller äldre, och dina interaktioner med AI hos Meta.",
            "Du har rätt att invända mot att din information används för dessa ändamål. Om din invändning godkänns "
            "tillämpas den från och med då.",
            Button("Läs mer om din rätt att invända", form),
            "Om du redan har invänt behöver du inte skicka in en ny begäran.",
            f"Tack! {team}",
        ),
    )


# --- approvals, per language -------------------------------------------------------------


def approval_en(name: str, *, us: bool) -> Content:
    honour = "honor" if us else "honour"
    centre = "Center" if us else "Centre"
    return Content(
        "en-US" if us else "en-GB",
        "We've reviewed your objection request.",
        (
            f"Hi {name},",
            "We've reviewed your request to object to the use of your information for AI at Meta.",
            f"We will {honour} your objection for your public information, such as public posts and comments. This means "
            "that we won't use your public information from Facebook and Instagram for future development and improvement "
            "of generative AI models for our AI at Meta features and experiences. We will also "
            f"{honour} your objection for any other accounts that you've added to the same Accounts {centre} as this account.",
            "We may still process information about you to develop and improve AI at Meta, even if you object or don't "
            "use our products. For example, this could happen if you or your information:",
            Bullets(
                (
                    "Appear anywhere in an image shared publicly on our products by someone who uses them",
                    "Are mentioned in public posts or captions that someone else shares on our products",
                )
            ),
            f"To learn more about how we use information to develop and improve AI at Meta, visit the Privacy {centre}.",
            Button(f"Visit the Privacy {centre}", "https://www.facebook.com/privacy/genai"),
            "Thanks, the Privacy Operations team",
        ),
    )


def approval_de(name: str) -> Content:
    return Content(
        "de",
        "Wir haben deinen Widerspruch geprüft.",
        (
            f"Hallo {name},",
            "wir haben deine Anfrage geprüft, der Verwendung deiner Informationen für KI bei Meta zu widersprechen.",
            "Wir werden deinem Widerspruch für deine öffentlichen Informationen, wie öffentliche Beiträge und "
            "Kommentare, nachkommen. Das bedeutet, dass wir deine öffentlichen Informationen von Facebook und Instagram "
            "künftig nicht für die Entwicklung und Verbesserung von generativen KI-Modellen für unsere Features und "
            "Erlebnisse von KI bei Meta verwenden. Wir werden deinem Widerspruch auch für alle anderen Konten "
            "nachkommen, die du derselben Kontenübersicht wie dieses Konto hinzugefügt hast.",
            "Möglicherweise verarbeiten wir dennoch Informationen über dich, um KI bei Meta zu entwickeln und zu "
            "verbessern, auch wenn du widersprichst oder unsere Produkte nicht nutzt. Das kann zum Beispiel passieren, "
            "wenn du oder deine Informationen:",
            Bullets(
                (
                    "irgendwo auf einem Bild zu sehen sind, das jemand öffentlich in unseren Produkten geteilt hat",
                    "in öffentlichen Beiträgen oder Bildunterschriften erwähnt werden, die eine andere Person teilt",
                )
            ),
            "Weitere Informationen findest du im Datenschutzcenter.",
            "Dein Datenschutz-Team bei Meta",
        ),
    )


def approval_fr(name: str) -> Content:
    return Content(
        "fr",
        "Nous avons examiné votre demande d'opposition.",
        (
            f"Bonjour {name},",
            "Nous avons examiné votre demande d'opposition à l'utilisation de vos informations pour l'IA chez Meta.",
            "Nous respecterons votre opposition pour vos informations publiques, comme vos publications et commentaires "
            "publics. Cela signifie que nous n'utiliserons pas vos informations publiques provenant de Facebook et "
            "d'Instagram pour le développement et l'amélioration futurs des modèles d'IA générative utilisés pour nos "
            "fonctionnalités et expériences d'IA chez Meta. Nous respecterons également votre opposition pour tous les "
            "autres comptes que vous avez ajoutés au même Espace Comptes que ce compte.",
            "Il est possible que nous traitions tout de même des informations vous concernant pour développer et "
            "améliorer l'IA chez Meta, même si vous vous y opposez ou n'utilisez pas nos produits. Par exemple, si vous "
            "ou vos informations :",
            Bullets(
                (
                    "apparaissez sur une image partagée publiquement sur nos produits par une personne qui les utilise",
                    "êtes mentionné(e) dans des publications ou légendes publiques partagées par une autre personne",
                )
            ),
            "Pour en savoir plus, consultez l'Espace confidentialité.",
            "L'équipe Confidentialité de Meta",
        ),
    )


def approval_es(name: str) -> Content:
    return Content(
        "es",
        "Hemos revisado tu solicitud de oposición.",
        (
            f"Hola, {name}:",
            "Hemos revisado tu solicitud de oposición al uso de tu información para la IA en Meta.",
            "Respetaremos tu oposición para tu información pública, como publicaciones y comentarios públicos. Esto "
            "significa que no usaremos tu información pública de Facebook e Instagram para el desarrollo y la mejora "
            "futuros de los modelos de IA generativa de nuestras funciones y experiencias de IA en Meta. También "
            "respetaremos tu oposición para cualquier otra cuenta que hayas añadido al mismo Centro de cuentas que esta cuenta.",
            "Para obtener más información, visita el Centro de privacidad.",
            "El equipo de privacidad de Meta",
        ),
    )


def approval_it(name: str) -> Content:
    return Content(
        "it",
        "Abbiamo esaminato la tua richiesta di opposizione.",
        (
            f"Ciao {name},",
            "abbiamo esaminato la tua richiesta di opposizione all'uso delle tue informazioni per l'IA in Meta.",
            "Accoglieremo la tua opposizione per le tue informazioni pubbliche, come post e commenti pubblici. Questo "
            "significa che non useremo le tue informazioni pubbliche di Facebook e Instagram per il futuro sviluppo e "
            "miglioramento dei modelli di IA generativa per le nostre funzioni ed esperienze di IA in Meta. Rispetteremo "
            "la tua opposizione anche per tutti gli altri account che hai aggiunto allo stesso Centro gestione account "
            "di questo account.",
            "La tua richiesta verrà applicata d'ora in avanti allo sviluppo e al miglioramento dell'IA in Meta.",
            "Il team Privacy di Meta",
        ),
    )


def approval_nl(name: str) -> Content:
    return Content(
        "nl",
        "We hebben je bezwaar bekeken.",
        (
            f"Hallo {name},",
            "We hebben je verzoek bekeken om bezwaar te maken tegen het gebruik van je gegevens voor AI bij Meta.",
            "We honoreren je bezwaar voor je openbare informatie, zoals openbare berichten en reacties. Dit betekent dat "
            "we je openbare informatie van Facebook en Instagram niet gebruiken voor de toekomstige ontwikkeling en "
            "verbetering van generatieve AI-modellen voor onze functies en ervaringen van AI bij Meta. We honoreren je "
            "bezwaar ook voor alle andere accounts die je aan hetzelfde Accountcentrum hebt toegevoegd als dit account.",
            "Meer informatie vind je in het Privacycentrum.",
            "Het privacyteam van Meta",
        ),
    )


def approval_pl(name: str) -> Content:
    return Content(
        "pl",
        "Rozpatrzyliśmy Twój wniosek o sprzeciw.",
        (
            f"Cześć {name},",
            "rozpatrzyliśmy Twój wniosek o sprzeciw wobec wykorzystywania Twoich informacji przez AI w Meta.",
            "Uwzględnimy Twój sprzeciw w odniesieniu do Twoich informacji publicznych, takich jak publiczne posty i "
            "komentarze. Oznacza to, że nie będziemy wykorzystywać Twoich informacji publicznych z Facebooka i "
            "Instagrama do dalszego rozwijania i ulepszania modeli generatywnej sztucznej inteligencji na potrzeby "
            "funkcji i doświadczeń AI w Meta. Uwzględnimy Twój sprzeciw również w przypadku wszystkich innych kont "
            "dodanych do tego samego Centrum kont co to konto.",
            "Zespół ds. prywatności Meta",
        ),
    )


def approval_pt(name: str) -> Content:
    return Content(
        "pt-PT",
        "Analisámos o seu pedido de oposição.",
        (
            f"Olá, {name},",
            "Analisámos o seu pedido de oposição à utilização das suas informações para a IA na Meta.",
            "Vamos atender a sua oposição relativamente às suas informações públicas, como publicações e comentários "
            "públicos. Isto significa que não vamos utilizar as suas informações públicas do Facebook e do Instagram "
            "para o desenvolvimento e a melhoria futuros dos modelos de IA generativa das nossas funcionalidades e "
            "experiências de IA na Meta. Também vamos aceitar a sua oposição para quaisquer outras contas que tenha "
            "adicionado à mesma Central de Contas que esta conta.",
            "A equipa de Privacidade da Meta",
        ),
    )


def approval_sv(name: str) -> Content:
    return Content(
        "sv",
        "Vi har granskat din invändning.",
        (
            f"Hej {name}!",
            "Vi har granskat din begäran om att invända mot att din information används för AI hos Meta.",
            "Vi kommer att tillmötesgå din invändning för din offentliga information, som offentliga inlägg och "
            "kommentarer. Det innebär att vi inte kommer att använda din offentliga information från Facebook och "
            "Instagram för framtida utveckling och förbättring av generativa AI-modeller för våra funktioner och "
            "upplevelser inom AI hos Meta. Vi kommer även att tillmötesgå din invändning för alla andra konton som du "
            "har lagt till i samma kontocenter som det här kontot.",
            "Integritetsteamet på Meta",
        ),
    )


# --- facebook/ ------------------------------------------------------------------------------


def build_facebook() -> None:
    # anna.k@example.org: notice -> code 09:40 UTC -> approval 10:01 UTC (21 minutes)
    anna = '"Anna K." <anna.k@example.org>'
    meta_mail(
        "facebook/notice-en-gb-2024-09-10",
        "UK notice, Sept 2024 wording; multipart/related with inline logo, UTF-8 quoted-printable (anna.k, story start)",
        sender="fb-notification",
        to=anna,
        date="Tue, 10 Sep 2024 16:05:12 +0100",
        sent_at="2024-09-10T15:05:12+00:00",
        subject="Learn how we'll use your information as we expand AI at Meta",
        content=notice_en_gb("Anna"),
        kind="notice",
        structure="related",
    )
    meta_mail(
        "facebook/objection-code-en-gb-six-digits",
        "UK objection code 731942, expires in 10 minutes; distractors: date, time 10:40, reference number, form URL digits",
        sender="fb-security",
        to=anna,
        date="Thu, 12 Sep 2024 10:40:00 +0100",
        sent_at="2024-09-12T09:40:00+00:00",
        subject="Confirm your objection request",
        content=Content(
            "en-GB",
            "Use this code to finish your request.",
            (
                "Hi Anna,",
                "We received a request to object to the use of your information for AI at Meta. To finish your "
                "request, enter this confirmation code on the form:",
                Code("731942", "Your confirmation code:"),
                "This code will expire in 10 minutes.",
                Small(
                    f"Requested on 12/09/2024 at 10:40 from the form at {FB_FORM_2024}. Reference 1093847561."
                ),
                "If you didn't make this request, you can ignore this email. To help keep your account secure, please "
                "don't forward this email or give this code to anyone.",
                "Thanks, the Facebook team",
            ),
        ),
        kind="code",
        code="731942",
        purpose="objection",
        minutes=10,
    )
    meta_mail(
        "facebook/approved-en-gb-honour-2024-09-12",
        "UK approval, real Sept 2024 wording ('We will honour your objection'), 21 minutes after the code; text QP + HTML base64",
        sender="fb-notification",
        to=anna,
        date="Thu, 12 Sep 2024 11:01:00 +0100",
        sent_at="2024-09-12T10:01:00+00:00",
        subject="Your objection to the use of your information for AI at Meta",
        content=approval_en("Anna", us=False),
        kind="approved",
        html_cte="base64",
    )
    meta_mail(
        "facebook/approved-en-us-honor",
        "US-spelling approval ('We will honor your objection', Accounts Center) from priority.facebookmail.com; plain 7bit, CRLF, Date with (PDT) comment",
        sender="fb-priority",
        to="Jordan Miller <jordan.miller@example.com>",
        date="Wed, 25 Sep 2024 14:22:31 -0700 (PDT)",
        sent_at="2024-09-25T21:22:31+00:00",
        subject="Update on your objection request",
        content=approval_en("Jordan", us=True),
        kind="approved",
        structure="plain",
        charset="us-ascii",
        cte="7bit",
        crlf=True,
        us_footer=True,
    )

    # oliver.bennett@example.net: third-party-data form -> acknowledgement -> decline
    oliver = "Oliver Bennett <Oliver.Bennett@example.net>"
    meta_mail(
        "facebook/received-en-gb-third-party-data-form",
        "Acknowledgement of the third-party-data form: 'We don't automatically fulfil requests sent using this form'; plain 7bit, Date in GMT",
        sender="fb-support",
        to=oliver,
        date="Mon, 07 Oct 2024 08:15:44 GMT",
        sent_at="2024-10-07T08:15:44+00:00",
        subject="Your request about third-party information and AI at Meta",
        content=Content(
            "en-GB",
            "We've received your request.",
            (
                "Hi Oliver,",
                "Thanks for contacting us. We've received your request about personal information from third parties "
                "being used to develop and improve AI at Meta.",
                "We don't automatically fulfil requests sent using this form. We review them consistent with your local laws.",
                "We'll let you know by email once we've reviewed your request.",
                Small("Your reference number is 8811235813."),
                "Thanks, Privacy Operations",
            ),
        ),
        kind="received",
        structure="plain",
        charset="us-ascii",
        cte="7bit",
        mid_style="dotted",
    )
    meta_mail(
        "facebook/rejected-en-gb-third-party-data-unable-to-honour",
        "Decline of the third-party-data request ('We can't process your request ... unable to honour your objection'); Date -0700 crosses midnight UTC",
        sender="fb-support",
        to=oliver,
        date="Fri, 11 Oct 2024 17:30:02 -0700",
        sent_at="2024-10-12T00:30:02+00:00",
        subject="Update on your request about AI at Meta",
        content=Content(
            "en-GB",
            "We've reviewed your request.",
            (
                "Hi Oliver,",
                "We've reviewed your request about personal information from third parties being used to develop and "
                "improve AI at Meta.",
                "We can't process your request because, consistent with your local laws, we need an example showing that "
                "your personal information appears in a response from an AI at Meta model, and the example you provided "
                "doesn't show this. This means that we are unable to honour your objection based on the information provided.",
                f"If you have more information, you can submit a new request: {THIRD_PARTY_FORM}",
                Small("Reference number: 8811235813"),
                "Thanks, Privacy Operations",
            ),
        ),
        kind="rejected",
        mid_style="dotted",
    )

    # lena.schmidt@example.org (German, Facebook): code -> approval 12 minutes later
    lena = "Lena.Schmidt@Example.org"
    meta_mail(
        "facebook/objection-code-de-15-minuten",
        "German objection code ('Code: 493027', 'Der Code ist 15 Minuten lang gültig'); plain UTF-8 8bit, RFC 2047 =?UTF-8?B? subject; To in mixed case",
        sender="fb-security",
        to=lena,
        date="Sat, 31 May 2025 21:14:09 +0200",
        sent_at="2025-05-31T19:14:09+00:00",
        subject="Dein Bestätigungscode für deinen Widerspruch",
        content=Content(
            "de",
            "Bestätige deinen Widerspruch.",
            (
                "Hallo Lena,",
                "wir haben eine Anfrage erhalten, der Verwendung deiner Informationen für KI bei Meta zu widersprechen. "
                "Gib diesen Code in das Formular ein, um deinen Widerspruch abzuschließen:",
                Code("493027", "Code:"),
                "Der Code ist 15 Minuten lang gültig.",
                Small(f"Angefordert am 31.05.2025 um 21:14 Uhr über {FB_FORM_2025}"),
                "Wenn du diese Anfrage nicht gestellt hast, kannst du diese E-Mail ignorieren. Bitte leite diese E-Mail "
                "nicht weiter und gib den Code an niemanden weiter.",
                "Dein Facebook-Team",
            ),
        ),
        kind="code",
        code="493027",
        purpose="objection",
        minutes=15,
        structure="plain",
        cte="8bit",
        subject_enc=("UTF-8", "B"),
    )
    meta_mail(
        "facebook/approved-de-widerspruch-nachkommen",
        "German approval ('Wir werden deinem Widerspruch ... nachkommen'); plain ISO-8859-15 8bit, =?iso-8859-15?Q? subject",
        sender="fb-notification",
        to=lena,
        date="Sat, 31 May 2025 21:26:47 +0200",
        sent_at="2025-05-31T19:26:47+00:00",
        subject="Dein Widerspruch gegen die Verwendung deiner Informationen für KI bei Meta",
        content=approval_de("Lena"),
        kind="approved",
        structure="plain",
        charset="iso-8859-15",
        cte="8bit",
        subject_enc=("iso-8859-15", "Q"),
    )

    # camille.dubois@example.fr: notice -> code -> acknowledgement (received) -> approval two days later
    camille = "Camille Dubois <camille.dubois@example.fr>"
    meta_mail(
        "facebook/notice-fr-2025",
        "French notice ('IA chez Meta', 'vous opposer'); ISO-8859-1 quoted-printable, =?iso-8859-1?Q? subject",
        sender="fb-notification",
        to=camille,
        date="Tue, 15 Apr 2025 10:02:33 +0200",
        sent_at="2025-04-15T08:02:33+00:00",
        subject="Découvrez comment nous utiliserons vos informations pour améliorer l'IA chez Meta",
        content=notice_fr("Camille"),
        kind="notice",
        charset="iso-8859-1",
        subject_enc=("iso-8859-1", "Q"),
    )
    meta_mail(
        "facebook/objection-code-fr-eight-digits",
        "French objection code of 8 digits after 'code de confirmation\u00a0:' (no-break space), valid 1 hour; HTML-only, UTF-8 base64",
        sender="fb-security",
        to=camille,
        date="Mon, 19 May 2025 18:45:10 +0200",
        sent_at="2025-05-19T16:45:10+00:00",
        subject="Votre code de confirmation",
        content=Content(
            "fr",
            "Finalisez votre demande d'opposition.",
            (
                "Bonjour Camille,",
                "Vous avez demandé à vous opposer à l'utilisation de vos informations pour l'IA chez Meta. Pour "
                "finaliser votre opposition, saisissez ce code dans le formulaire\u00a0:",
                Code("40718236", "Votre code de confirmation\u00a0:"),
                "Ce code est valable pendant 1 heure.",
                Small(f"Demande envoyée le 19/05/2025 à 18:45 depuis {FB_FORM_2025}"),
                "Si vous n'êtes pas à l'origine de cette demande, vous pouvez ignorer cet e-mail. Ne transférez pas cet "
                "e-mail et ne communiquez ce code à personne.",
                "L'équipe Facebook",
            ),
        ),
        kind="code",
        code="40718236",
        purpose="objection",
        minutes=60,
        structure="html",
        cte="base64",
    )
    meta_mail(
        "facebook/received-fr-opposition-acknowledged",
        "French acknowledgement ('Nous avons bien reçu votre opposition ... nous allons examiner'), no decision yet; plain UTF-8 QP",
        sender="fb-notification",
        to=camille,
        date="Mon, 19 May 2025 18:47:55 +0200",
        sent_at="2025-05-19T16:47:55+00:00",
        subject="Nous avons bien reçu votre demande",
        content=Content(
            "fr",
            "Nous avons bien reçu votre opposition.",
            (
                "Bonjour Camille,",
                "Nous avons bien reçu votre opposition à l'utilisation de vos informations pour l'IA chez Meta.",
                "Nous allons examiner votre demande et nous vous informerons de notre décision par e-mail. Vous n'avez "
                "rien d'autre à faire pour le moment.",
                Small("Référence de la demande : 5729104837"),
                "L'équipe Confidentialité de Meta",
            ),
        ),
        kind="received",
        structure="plain",
    )
    meta_mail(
        "facebook/approved-fr-respecter-opposition",
        "French approval ('Nous respecterons votre opposition'), two days after the acknowledgement; multipart/alternative, UTF-8 base64",
        sender="fb-notification",
        to=camille,
        date="Wed, 21 May 2025 09:12:40 +0200",
        sent_at="2025-05-21T07:12:40+00:00",
        subject="Votre opposition a été acceptée",
        content=approval_fr("Camille"),
        kind="approved",
        cte="base64",
    )

    # javier.garcia@example.es: notice -> code -> decline
    javier = "Javier García <javier.garcia@example.es>"
    meta_mail(
        "facebook/notice-es-2025",
        "Spanish notice ('IA en Meta', 'oponerte'); UTF-8 QP, CRLF line endings, =?UTF-8?B? subject, encoded display name in To",
        sender="fb-notification",
        to="=?UTF-8?Q?Javier_Garc=C3=ADa?= <javier.garcia@example.es>",
        date="Mon, 14 Apr 2025 12:30:00 +0200",
        sent_at="2025-04-14T10:30:00+00:00",
        subject="Descubre cómo usaremos tu información para mejorar la IA en Meta",
        content=notice_es("Javier"),
        kind="notice",
        crlf=True,
    )
    meta_mail(
        "facebook/objection-code-es-codigo",
        "Spanish objection code ('Código: 265183', caduca en 30 minutos); 8-digit request number and time nearby; Date converts to the previous UTC day",
        sender="fb-security",
        to=javier.replace("García", "Garcia"),
        date="Wed, 21 May 2025 01:20:05 +0200",
        sent_at="2025-05-20T23:20:05+00:00",
        subject="Tu código de confirmación",
        content=Content(
            "es",
            "Completa tu solicitud de oposición.",
            (
                "Hola, Javier:",
                "Hemos recibido tu solicitud de oposición al uso de tu información para la IA en Meta. Para "
                "completarla, introduce el siguiente código en el formulario:",
                Code("265183", "Código:"),
                "Este código caduca en 30 minutos.",
                Small("Solicitud n.º 61803398, enviada el 21/05/2025 a las 01:20."),
                "Si no has enviado esta solicitud, puedes ignorar este mensaje. No reenvíes este correo ni compartas el "
                "código con nadie.",
                "El equipo de Facebook",
            ),
        ),
        kind="code",
        code="265183",
        purpose="objection",
        minutes=30,
    )
    meta_mail(
        "facebook/rejected-es-legislacion-local",
        "Spanish decline ('no podemos tramitar tu solicitud ... legislación local ... no podemos respetar tu oposición'); plain ISO-8859-1 8bit",
        sender="fb-notification",
        to=javier.replace("García", "Garcia"),
        date="Wed, 21 May 2025 16:05:12 +0200",
        sent_at="2025-05-21T14:05:12+00:00",
        subject="Actualización sobre tu solicitud de oposición",
        content=Content(
            "es",
            "Hemos revisado tu solicitud.",
            (
                "Hola, Javier:",
                "Hemos revisado tu solicitud de oposición al uso de tu información para la IA en Meta.",
                "Lamentablemente, no podemos tramitar tu solicitud porque, de acuerdo con la legislación local aplicable "
                "a tu cuenta, no podemos respetar tu oposición en este caso. Seguiremos usando tu información pública "
                "tal y como se describe en nuestra Política de privacidad.",
                f"Si crees que se trata de un error, puedes enviar una nueva solicitud en {FB_FORM_2025}",
                "El equipo de privacidad de Meta",
            ),
        ),
        kind="rejected",
        structure="plain",
        charset="iso-8859-1",
        cte="8bit",
        subject_enc=("iso-8859-1", "Q"),
    )

    # daan.devries@example.nl: notice -> code, no decision (pending); see also lookalikes/ for a spoofed approval
    daan = "Daan de Vries <daan.devries@example.nl>"
    meta_mail(
        "facebook/notice-nl-2025",
        "Dutch notice ('AI bij Meta', 'bezwaar maken'); HTML-only, UTF-8 quoted-printable",
        sender="fb-notification",
        to=daan,
        date="Wed, 16 Apr 2025 07:45:00 +0200",
        sent_at="2025-04-16T05:45:00+00:00",
        subject="Ontdek hoe we je gegevens gebruiken om AI bij Meta te verbeteren",
        content=notice_nl("Daan"),
        kind="notice",
        structure="html",
    )
    meta_mail(
        "facebook/objection-code-nl-bevestigingscode-pending",
        "Dutch objection code ('Bevestigingscode: 317864'), no validity stated, no decision ever follows (pending); request number and date nearby",
        sender="fb-security",
        to=daan,
        date="Thu, 22 May 2025 20:31:18 +0200",
        sent_at="2025-05-22T18:31:18+00:00",
        subject="Je bevestigingscode",
        content=Content(
            "nl",
            "Bevestig je bezwaar.",
            (
                "Hallo Daan,",
                "We hebben je verzoek ontvangen om bezwaar te maken tegen het gebruik van je gegevens voor AI bij Meta. "
                "Voer deze bevestigingscode in het formulier in om je bezwaar in te dienen:",
                Code("317864", "Bevestigingscode:"),
                Small("Aanvraagnummer: 2025-0522-7781, aangevraagd op 22 mei 2025 om 20:31."),
                "Heb je dit niet aangevraagd? Dan kun je deze e-mail negeren. Deel deze code met niemand.",
                "Het Facebook-team",
            ),
        ),
        kind="code",
        code="317864",
        purpose="objection",
    )

    # katarzyna.nowak@example.pl: notice -> code -> decline (all ISO-8859-2)
    kasia = "Katarzyna Nowak <katarzyna.nowak@example.pl>"
    meta_mail(
        "facebook/notice-pl-2025",
        "Polish notice ('AI w Meta', 'sprzeciwić się'); ISO-8859-2 quoted-printable, =?iso-8859-2?Q? subject",
        sender="fb-notification",
        to=kasia,
        date="Thu, 17 Apr 2025 11:11:11 +0200",
        sent_at="2025-04-17T09:11:11+00:00",
        subject="Dowiedz się, jak wykorzystujemy Twoje informacje do ulepszania AI w Meta",
        content=notice_pl("Katarzyna"),
        kind="notice",
        charset="iso-8859-2",
        subject_enc=("iso-8859-2", "Q"),
    )
    meta_mail(
        "facebook/objection-code-pl-kod-weryfikacyjny",
        "Polish objection code ('Kod weryfikacyjny: 649301', ważny przez 15 minut); plain ISO-8859-2 8bit",
        sender="fb-security",
        to=kasia,
        date="Fri, 23 May 2025 13:02:27 +0200",
        sent_at="2025-05-23T11:02:27+00:00",
        subject="Twój kod weryfikacyjny",
        content=Content(
            "pl",
            "Dokończ zgłaszanie sprzeciwu.",
            (
                "Cześć Katarzyna,",
                "otrzymaliśmy Twój wniosek o sprzeciw wobec wykorzystywania Twoich informacji przez AI w Meta. Aby go "
                "dokończyć, wpisz w formularzu poniższy kod weryfikacyjny:",
                Code("649301", "Kod weryfikacyjny:"),
                "Kod jest ważny przez 15 minut.",
                Small("Wniosek złożony 23.05.2025 o godz. 13:02."),
                "Jeśli to nie Ty wysłałaś ten wniosek, zignoruj tę wiadomość. Nie przekazuj nikomu tego kodu.",
                "Zespół Facebooka",
            ),
        ),
        kind="code",
        code="649301",
        purpose="objection",
        minutes=15,
        structure="plain",
        charset="iso-8859-2",
        cte="8bit",
        subject_enc=("iso-8859-2", "Q"),
    )
    meta_mail(
        "facebook/rejected-pl-nie-mozemy-uwzglednic-sprzeciwu",
        "Polish decline ('nie możemy uwzględnić Twojego sprzeciwu'); multipart/alternative, ISO-8859-2 base64",
        sender="fb-notification",
        to=kasia,
        date="Fri, 23 May 2025 19:44:03 +0200",
        sent_at="2025-05-23T17:44:03+00:00",
        subject="Informacja o Twoim wniosku dotyczącym AI w Meta",
        content=Content(
            "pl",
            "Rozpatrzyliśmy Twój wniosek.",
            (
                "Cześć Katarzyna,",
                "rozpatrzyliśmy Twój wniosek o sprzeciw wobec wykorzystywania Twoich informacji do rozwijania i "
                "ulepszania AI w Meta.",
                "Niestety nie możemy uwzględnić Twojego sprzeciwu, ponieważ we wniosku nie wyjaśniono, w jaki sposób "
                "to przetwarzanie wpływa na Ciebie.",
                f"Możesz w każdej chwili złożyć nowy wniosek: {FB_FORM_2025}",
                "Zespół ds. prywatności Meta",
            ),
        ),
        kind="rejected",
        charset="iso-8859-2",
        cte="base64",
        subject_enc=("iso-8859-2", "Q"),
    )


# --- instagram/ -----------------------------------------------------------------------------


def build_instagram() -> None:
    # giulia.bianchi@example.it (Italian): notice -> code -> approval about 24 hours later
    giulia = "giulia.bianchi@example.it"
    meta_mail(
        "instagram/notice-it-2025",
        "Italian notice ('IA in Meta', 'opporti'); multipart/related with inline logo, text QP + HTML base64",
        sender="ig-noreply",
        to=giulia,
        date="Fri, 18 Apr 2025 09:00:14 +0200",
        sent_at="2025-04-18T07:00:14+00:00",
        subject="Scopri come useremo le tue informazioni per migliorare l'IA in Meta",
        content=notice_it("giulia.bianchi", IG_FORM_2025, year=2025),
        kind="notice",
        structure="related",
        html_cte="base64",
    )
    meta_mail(
        "instagram/objection-code-it-codice",
        "Italian objection code ('Codice di conferma: 582046', scade tra 10 minuti) next to a help-form URL full of digits; HTML-only base64, CRLF",
        sender="ig-security",
        to=giulia,
        date="Mon, 26 May 2025 08:17:36 +0200",
        sent_at="2025-05-26T06:17:36+00:00",
        subject="Il tuo codice di conferma",
        content=Content(
            "it",
            "Completa la tua richiesta di opposizione.",
            (
                "Ciao giulia.bianchi,",
                "abbiamo ricevuto la tua richiesta di opposizione all'uso delle tue informazioni per l'IA in Meta. Per "
                "completarla, inserisci questo codice nel modulo:",
                Code("582046", "Codice di conferma:"),
                "Il codice scade tra 10 minuti.",
                Small(f"Modulo: {IG_FORM_2025} - richiesta del 26/05/2025, ore 08:17"),
                "Se non hai inviato tu questa richiesta, ignora questa e-mail. Non condividere questo codice con nessuno.",
                "Il team di Instagram",
            ),
        ),
        kind="code",
        code="582046",
        purpose="objection",
        minutes=10,
        structure="html",
        cte="base64",
        crlf=True,
    )
    meta_mail(
        "instagram/approved-it-24-hours-after-code",
        "Italian approval ('Accoglieremo la tua opposizione'), 23 h 52 min after the code; multipart/alternative UTF-8 QP",
        sender="ig-noreply",
        to=giulia,
        date="Tue, 27 May 2025 08:09:52 +0200",
        sent_at="2025-05-27T06:09:52+00:00",
        subject="La tua richiesta di opposizione è stata accolta",
        content=approval_it("giulia.bianchi"),
        kind="approved",
    )

    # jonas.becker@example.de (German): notified, never objected
    meta_mail(
        "instagram/notice-de-never-objected",
        "German notice with the real 2025 subject ('Erfahre, wie wir deine Informationen ... KI bei Meta verwenden'); nothing follows; HTML-only QP",
        sender="ig-noreply",
        to="Jonas Becker <jonas.becker@example.de>",
        date="Tue, 15 Apr 2025 14:37:50 +0200",
        sent_at="2025-04-15T12:37:50+00:00",
        subject="Erfahre, wie wir deine Informationen im Zuge der Verbesserung von KI bei Meta verwenden",
        content=notice_de("jonas.becker", IG_FORM_2025, "dein Instagram-Team"),
        kind="notice",
        structure="html",
    )

    # lucia.fernandez@example.com (Spanish): 8-digit code -> approval 4 minutes later
    lucia = "lucia.fernandez@example.com"
    meta_mail(
        "instagram/objection-code-es-eight-digits",
        "Spanish objection code of 8 digits on its own line (válido durante 1 hora), a time 12:10 nearby; HTML-only base64, Date -0700",
        sender="ig-security",
        to=lucia,
        date="Wed, 28 May 2025 03:10:22 -0700",
        sent_at="2025-05-28T10:10:22+00:00",
        subject="Confirma tu solicitud",
        content=Content(
            "es",
            "Confirma tu oposición.",
            (
                "Hola, lucia.fernandez:",
                "Usa este código para confirmar tu oposición al uso de tu información para la IA en Meta:",
                Code("90412377"),
                "El código es válido durante 1 hora. Lo solicitaste hoy a las 12:10 (hora peninsular).",
                "Si no has solicitado este código, ignora este mensaje. Por tu seguridad, no lo compartas con nadie.",
                "El equipo de Instagram",
            ),
        ),
        kind="code",
        code="90412377",
        purpose="objection",
        minutes=60,
        structure="html",
        cte="base64",
    )
    meta_mail(
        "instagram/approved-es-respetar-oposicion",
        "Spanish approval ('Respetaremos tu oposición'); multipart/alternative UTF-8 QP",
        sender="ig-noreply",
        to=lucia,
        date="Wed, 28 May 2025 03:14:59 -0700",
        sent_at="2025-05-28T10:14:59+00:00",
        subject="Respetaremos tu oposición",
        content=approval_es("lucia.fernandez"),
        kind="approved",
    )

    # sanne.jansen@example.nl (Dutch): approval only
    meta_mail(
        "instagram/approved-nl-bezwaar-honoreren",
        "Dutch approval ('We honoreren je bezwaar'); plain text in base64, Date +0000",
        sender="ig-noreply",
        to="Sanne Jansen <sanne.jansen@example.nl>",
        date="Thu, 29 May 2025 16:40:00 +0000",
        sent_at="2025-05-29T16:40:00+00:00",
        subject="We honoreren je bezwaar",
        content=approval_nl("sanne.jansen"),
        kind="approved",
        structure="plain",
        cte="base64",
    )

    # piotr.wisniewski@example.pl (Polish): grouped code -> approval
    piotr = f"{encoded_words('Piotr Wiśniewski', 'UTF-8', 'B')} <piotr.wisniewski@example.pl>"
    meta_mail(
        "instagram/objection-code-pl-grouped-418-207",
        "Polish objection code shown grouped as '418 207' ('Twój kod:'), date 25.05.2025 nearby; RFC 2047 display name in To",
        sender="ig-security",
        to=piotr,
        date="Sun, 25 May 2025 10:05:00 +0200",
        sent_at="2025-05-25T08:05:00+00:00",
        subject="Potwierdź swój sprzeciw",
        content=Content(
            "pl",
            "Potwierdź sprzeciw.",
            (
                "Cześć piotr.wisniewski,",
                "aby potwierdzić sprzeciw wobec wykorzystywania Twoich informacji przez AI w Meta, wpisz ten kod:",
                Code("418 207", "Twój kod:"),
                Small("Prośba wysłana 25.05.2025 o 10:05."),
                "Jeśli to nie Ty, zignoruj tę wiadomość.",
                "Zespół Instagrama",
            ),
        ),
        kind="code",
        code="418207",
        purpose="objection",
    )
    meta_mail(
        "instagram/approved-pl-uwzglednimy-sprzeciw",
        "Polish approval ('Uwzględnimy Twój sprzeciw'); plain ISO-8859-2 quoted-printable",
        sender="ig-noreply",
        to=piotr,
        date="Sun, 25 May 2025 10:09:30 +0200",
        sent_at="2025-05-25T08:09:30+00:00",
        subject="Uwzględnimy Twój sprzeciw",
        content=approval_pl("piotr.wisniewski"),
        kind="approved",
        structure="plain",
        charset="iso-8859-2",
        subject_enc=("iso-8859-2", "Q"),
    )

    # joao.silva@example.pt (Portuguese): notice -> code -> approval
    joao = "=?windows-1252?Q?Jo=E3o_Silva?= <joao.silva@example.pt>"
    meta_mail(
        "instagram/notice-pt-2025",
        "Portuguese notice ('IA na Meta', 'se opor'); windows-1252 QP with curly quotes and en dashes, =?windows-1252?Q? subject and To name",
        sender="ig-noreply",
        to=joao,
        date="Tue, 22 Apr 2025 10:20:00 +0100",
        sent_at="2025-04-22T09:20:00+00:00",
        subject="Saiba como vamos utilizar as suas informações para melhorar a IA na Meta",
        content=notice_pt("joao.silva"),
        kind="notice",
        charset="windows-1252",
        subject_enc=("windows-1252", "Q"),
    )
    meta_mail(
        "instagram/objection-code-pt-codigo",
        "Portuguese objection code ('Código: 735920', expira em 20 minutos); plain windows-1252 8bit",
        sender="ig-security",
        to=joao,
        date="Sat, 24 May 2025 15:33:21 +0100",
        sent_at="2025-05-24T14:33:21+00:00",
        subject="O seu código de confirmação",
        content=Content(
            "pt-PT",
            "Conclua o seu pedido de oposição.",
            (
                "Olá, joao.silva,",
                "Recebemos o seu pedido de oposição à utilização das suas informações para a IA na Meta. Para o "
                "concluir, introduza este código no formulário:",
                Code("735920", "Código:"),
                "Este código expira em 20 minutos.",
                Small(f"Pedido efetuado a 24/05/2025 às 15:33 – {IG_FORM_2025}"),
                "Se não fez este pedido, ignore este e-mail. Não partilhe este código com ninguém.",
                "A equipa do Instagram",
            ),
        ),
        kind="code",
        code="735920",
        purpose="objection",
        minutes=20,
        structure="plain",
        charset="windows-1252",
        cte="8bit",
        subject_enc=("windows-1252", "Q"),
    )
    meta_mail(
        "instagram/approved-pt-atender-oposicao",
        "Portuguese approval ('Vamos atender a sua oposição'); multipart/alternative ISO-8859-15 QP",
        sender="ig-noreply",
        to=joao,
        date="Sat, 24 May 2025 15:36:02 +0100",
        sent_at="2025-05-24T14:36:02+00:00",
        subject="Vamos atender a sua oposição",
        content=approval_pt("joao.silva"),
        kind="approved",
        charset="iso-8859-15",
        subject_enc=("iso-8859-15", "Q"),
    )

    # erik.johansson@example.se (Swedish): notice -> code -> approval
    erik = "Erik Johansson <erik.johansson@example.se>"
    meta_mail(
        "instagram/notice-sv-2025",
        "Swedish notice ('AI hos Meta', 'invända'); multipart/alternative UTF-8 QP",
        sender="ig-noreply",
        to=erik,
        date="Wed, 16 Apr 2025 09:30:45 +0200",
        sent_at="2025-04-16T07:30:45+00:00",
        subject="Läs om hur vi använder din information för att förbättra AI hos Meta",
        content=notice_sv("erik.johansson", IG_FORM_2025, "Instagram-teamet"),
        kind="notice",
    )
    meta_mail(
        "instagram/objection-code-sv-verifieringskod",
        "Swedish objection code ('Verifieringskod: 208451', giltig i 10 minuter); plain UTF-8 8bit, CRLF",
        sender="ig-security",
        to=erik,
        date="Mon, 26 May 2025 19:02:45 +0200",
        sent_at="2025-05-26T17:02:45+00:00",
        subject="Din verifieringskod",
        content=Content(
            "sv",
            "Slutför din invändning.",
            (
                "Hej erik.johansson!",
                "Vi har tagit emot din begäran om att invända mot att din information används för AI hos Meta. Ange "
                "den här verifieringskoden i formuläret för att slutföra din invändning:",
                Code("208451", "Verifieringskod:"),
                "Koden är giltig i 10 minuter.",
                "Om du inte har gjort den här begäran kan du ignorera det här mejlet. Dela inte koden med någon.",
                "Instagram-teamet",
            ),
        ),
        kind="code",
        code="208451",
        purpose="objection",
        minutes=10,
        structure="plain",
        cte="8bit",
        crlf=True,
    )
    meta_mail(
        "instagram/approved-sv-tillmotesga-invandning",
        "Swedish approval ('Vi kommer att tillmötesgå din invändning'); HTML-only ISO-8859-1 QP, =?iso-8859-1?Q? subject",
        sender="ig-noreply",
        to=erik,
        date="Mon, 26 May 2025 19:20:11 +0200",
        sent_at="2025-05-26T17:20:11+00:00",
        subject="Din invändning har godkänts",
        content=approval_sv("erik.johansson"),
        kind="approved",
        structure="html",
        charset="iso-8859-1",
        subject_enc=("iso-8859-1", "Q"),
    )

    # priya.shah@example.com (English): Meta asks for more information -> info_requested
    meta_mail(
        "instagram/info-requested-en-case-number",
        "Instagram asks for more information about an objection (kind info_requested: the user must reply); 8-digit case number but no code; Date +0530",
        sender="ig-support",
        to="Priya Shah <priya.shah@example.com>",
        date="Thu, 03 Oct 2024 12:00:00 +0530",
        sent_at="2024-10-03T06:30:00+00:00",
        subject="We need more information about your request",
        content=Content(
            "en-GB",
            "We need more information to process your request.",
            (
                "Hi priya.shah,",
                "Thanks for contacting us about your objection to the use of your information for AI at Meta.",
                "We need more information to process your request. Please reply to this email and explain how this "
                "processing impacts you, and confirm the username of the Instagram account that your objection relates to.",
                "We'll review your request once we've received this information.",
                Small("Case number: 10293847"),
                "Instagram Privacy Operations",
            ),
        ),
        kind="info_requested",
    )


# --- other-meta/: Meta's harmless mail ---------------------------------------------------------


def build_other_meta() -> None:
    meta_mail(
        "other-meta/facebook-login-security-code-eight-digits",
        "'Your Facebook Security Code' from security@facebookmail.com: login code of 8 digits on its own line; login time 09:40, IP address nearby",
        sender="fb-security",
        to="Michael Okafor <m.okafor@example.net>",
        date="Wed, 12 Mar 2025 02:40:11 -0700",
        sent_at="2025-03-12T09:40:11+00:00",
        subject="Your Facebook Security Code",
        content=Content(
            "en-GB",
            "We received a request to log in to your Facebook account.",
            (
                "Hi Michael,",
                "We received a request to log in to your Facebook account. Enter the following security code:",
                Code("48291736"),
                Small(
                    "Login attempt: Wednesday, 12 March 2025 at 09:40 (UTC), Chrome on Windows, IP 81.2.69.160, near London, United Kingdom"
                ),
                "Didn't request this code? Someone may be trying to get into your account. Secure your account: "
                "https://www.facebook.com/hacked",
                "Thanks, Facebook Security",
            ),
        ),
        kind="code",
        code="48291736",
        purpose="login",
        notify="login_code",
    )
    meta_mail(
        "other-meta/instagram-login-code-123-456",
        "'123 456 is your Instagram code' (grouped login code) from security@mail.instagram.com; 8 digits inside a reset URL; HTML-only base64",
        sender="ig-security",
        to="chloe.martin@example.com",
        date="Sat, 08 Feb 2025 18:03:27 +0000",
        sent_at="2025-02-08T18:03:27+00:00",
        subject="123 456 is your Instagram code",
        content=Content(
            "en-GB",
            "Someone tried to log in to your Instagram account.",
            (
                "Hi chloe.martin,",
                "Someone tried to log in to your Instagram account. If this was you, please use the following code to "
                "confirm your identity:",
                Code("123 456"),
                "If this wasn't you, please reset your password: "
                "https://www.instagram.com/accounts/password/reset/confirm/?uidb36=17841400&token=Ab7Cd9Ef",
                "Thanks, the Instagram team",
            ),
        ),
        kind="code",
        code="123456",
        purpose="login",
        structure="html",
        cte="base64",
        notify="login_code",
    )
    meta_mail(
        "other-meta/facebook-signup-confirmation-code-fb-56099",
        "'FB-56099 is your Facebook confirmation code' from registration@facebookmail.com: sign-up code, purpose login; code also in the confirm URL",
        sender="fb-registration",
        to="Robin Park <newuser.2025@example.org>",
        date="Mon, 06 Jan 2025 21:47:02 -0800",
        sent_at="2025-01-07T05:47:02+00:00",
        subject="FB-56099 is your Facebook confirmation code",
        content=Content(
            "en-GB",
            "Confirm your Facebook account.",
            (
                "Hi Robin,",
                "You recently registered for Facebook. To complete your Facebook registration, please confirm your account.",
                Button(
                    "Confirm your account",
                    "https://www.facebook.com/confirmemail.php?e=newuser.2025%40example.org&c=56099&z=0&gfid=AQBx7rT2",
                ),
                "You may be asked to enter this confirmation code:",
                Code("FB-56099"),
                "Facebook helps you communicate and stay in touch with all of your friends. Once you join Facebook, "
                "you'll be able to share photos, plan events and more.",
                "Thanks, the Facebook team",
            ),
        ),
        kind="code",
        code="56099",
        purpose="login",
        notify="registration",
    )
    meta_mail(
        "other-meta/threads-login-code",
        "'604817 is your Threads code' sent from security@mail.instagram.com: platform threads, purpose login",
        sender="threads-security",
        to="Sam Taylor <sam.taylor@example.com>",
        date="Fri, 14 Mar 2025 11:25:09 +0000",
        sent_at="2025-03-14T11:25:09+00:00",
        subject="604817 is your Threads code",
        content=Content(
            "en-GB",
            "Use this code to log in to Threads.",
            (
                "Hi sam.taylor,",
                "Use this code to log in to Threads:",
                Code("604817"),
                "If you didn't try to log in, you can reset your password from Instagram.",
                "Thanks, the Threads team",
            ),
        ),
        kind="code",
        code="604817",
        purpose="login",
        notify="login_code",
    )
    meta_mail(
        "other-meta/meta-accounts-center-login-code",
        "Meta account verification code from security@account.meta.com (platform meta, purpose login, expires in 15 minutes); US phone number nearby; plain 7bit",
        sender="meta-account",
        to="Alex Ng <alex.ng@example.net>",
        date="Thu, 20 Feb 2025 08:15:00 -0800",
        sent_at="2025-02-20T16:15:00+00:00",
        subject="Your Meta account verification code",
        content=Content(
            "en-US",
            "Verify it's you.",
            (
                "Hi Alex,",
                "Use this code to verify it's you and finish logging in to your Meta account:",
                Code("770315", "Verification code:"),
                "This code expires in 15 minutes. We also sent it by text message to +1 (650) 555-0134.",
                "If you didn't try to log in, change your password in Accounts Center.",
                "Thanks, Meta",
            ),
        ),
        kind="code",
        code="770315",
        purpose="login",
        minutes=15,
        structure="plain",
        charset="us-ascii",
        cte="7bit",
        us_footer=True,
        notify="login_code",
    )
    meta_mail(
        "other-meta/instagram-login-code-de-grouped",
        "German Instagram login code '884 210 ist dein Instagram-Code' (purpose login, not an objection); HTML-only QP",
        sender="ig-security",
        to="mia.hoffmann@example.de",
        date="Sun, 02 Mar 2025 22:10:40 +0100",
        sent_at="2025-03-02T21:10:40+00:00",
        subject="884 210 ist dein Instagram-Code",
        content=Content(
            "de",
            "Jemand hat versucht, sich bei deinem Konto anzumelden.",
            (
                "Hallo mia.hoffmann,",
                "jemand hat versucht, sich bei deinem Instagram-Konto anzumelden. Wenn du das warst, verwende bitte den "
                "folgenden Code, um deine Identität zu bestätigen:",
                Code("884 210"),
                "Wenn du das nicht warst, setze bitte dein Passwort zurück.",
                "Danke, dein Instagram-Team",
            ),
        ),
        kind="code",
        code="884210",
        purpose="login",
        structure="html",
        notify="login_code",
    )
    meta_mail(
        "other-meta/meta-pay-security-code-with-amount",
        "Meta Pay security code from support.facebook.com (commerce mail; purpose login, expires in 5 minutes); an amount, a date and an order number nearby",
        sender="meta-pay",
        to="Michael Okafor <m.okafor@example.net>",
        date="Fri, 14 Mar 2025 17:52:30 +0000",
        sent_at="2025-03-14T17:52:30+00:00",
        subject="Your Meta Pay security code",
        content=Content(
            "en-GB",
            "Confirm your payment.",
            (
                "Hi Michael,",
                "Use this security code to confirm your payment of €24.99 to Coastal Coffee Roasters on "
                "14 March 2025:",
                Code("305118", "Security code:"),
                "This code expires in 5 minutes.",
                Small(
                    "Order 1204458831. Meta Payments Inc. will never ask you for this code by phone."
                ),
                "Thanks, Meta Pay",
            ),
        ),
        kind="code",
        code="305118",
        purpose="login",
        minutes=5,
        notify="payments_security_code",
    )
    meta_mail(
        "other-meta/privacy-policy-update-metamail",
        "Privacy Policy update from no-reply@global.metamail.com (platform meta, kind other); dates, no right to object",
        sender="metamail",
        to="d.kowalczyk@example.net",
        date="Tue, 27 May 2025 10:00:00 +0000",
        sent_at="2025-05-27T10:00:00+00:00",
        subject="We're updating our Privacy Policy",
        content=Content(
            "en-GB",
            "We're updating our Privacy Policy.",
            (
                "Hi,",
                "We're updating our Privacy Policy to explain more clearly how we collect, use and share your "
                "information across Meta Products. The updated policy takes effect on 26 June 2025.",
                Bullets(
                    (
                        "More detail about the information we share with partners",
                        "Updates to how we describe how long we keep information",
                        "Clearer explanations of your choices in Accounts Centre",
                    )
                ),
                "You don't need to do anything. You can review the updated Privacy Policy at any time.",
                Button(
                    "Review Privacy Policy",
                    "https://www.facebook.com/privacy/policy/?entry_point=email_20250527",
                ),
                "Thanks, Meta",
            ),
        ),
        kind="other",
        notify="privacy_policy_update",
    )
    meta_mail(
        "other-meta/ads-personalization-meta-ai-interactions-oct-2025",
        "October 2025 notice: Meta AI interactions personalise ads from 16 December 2025; mentions AI at Meta but offers no right to object (kind other)",
        sender="fb-notification",
        to="Jordan Miller <jordan.miller@example.com>",
        date="Tue, 07 Oct 2025 09:02:19 -0700",
        sent_at="2025-10-07T16:02:19+00:00",
        subject="An update on how we personalize your experience",
        content=Content(
            "en-US",
            "An update about Meta AI and the ads you see.",
            (
                "Hi Jordan,",
                "We're updating our Privacy Policy to explain how we'll use your interactions with AI at Meta to "
                "personalize your experience. Starting December 16, 2025, we'll start using your interactions with AI "
                "features, such as your conversations with Meta AI, to personalize the content and ads you see across "
                "our products.",
                "We won't use conversations about sensitive topics, such as your religious views, sexual orientation, "
                "political views, health or racial or ethnic origin, to show you ads.",
                "You can manage your ad preferences in Accounts Center at any time.",
                Button("Learn more", "https://www.facebook.com/privacy/genai/personalization"),
                "Thanks, the Privacy team at Meta",
            ),
        ),
        kind="other",
        us_footer=True,
        notify="privacy_policy_update",
    )
    meta_mail(
        "other-meta/facebook-information-ready-to-download",
        "'Your Facebook information is ready to download' (kind other); dates, file size and a long file id in the URL",
        sender="fb-notification",
        to="Tom Hughes <tom.hughes@example.net>",
        date="Sun, 17 Nov 2024 04:55:31 -0800",
        sent_at="2024-11-17T12:55:31+00:00",
        subject="Your Facebook information is ready to download",
        content=Content(
            "en-GB",
            "Your file is ready.",
            (
                "Hi Tom,",
                "The copy of your Facebook information that you requested on 15 November 2024 is ready to download. "
                "The file is 1.2 GB and will be available until 21 November 2024.",
                Button(
                    "Download your information",
                    "https://www.facebook.com/dyi/?referrer=email&file_id=1183726451902837",
                ),
                "For your security, you'll need to re-enter your password. If you didn't request this file, please "
                "secure your account.",
                "Thanks, the Facebook team",
            ),
        ),
        kind="other",
        notify="dyi_ready",
    )
    meta_mail(
        "other-meta/instagram-login-alert-new-device",
        "'New login to Instagram from Chrome on Windows' login alert (kind other); HTML-only QP",
        sender="ig-security",
        to="chloe.martin@example.com",
        date="Thu, 13 Feb 2025 07:41:00 +0000",
        sent_at="2025-02-13T07:41:00+00:00",
        subject="New login to Instagram from Chrome on Windows",
        content=Content(
            "en-GB",
            "We noticed a new login.",
            (
                "Hi chloe.martin,",
                "We noticed a new login to your Instagram account, chloe.martin.",
                Small("Chrome on Windows, Lyon, France, 13 February 2025 at 08:41 (CET)"),
                "If this was you, you don't need to do anything. If you don't recognise this activity, secure your "
                "account: https://www.instagram.com/accounts/disavow/?uidb36=17841400&token=Zx1Yw2",
                "Thanks, the Instagram team",
            ),
        ),
        kind="other",
        structure="html",
        notify="login_alert",
    )


# --- lookalikes/: phishing, quotes, forwards, spoofs ----------------------------------------------


def outside_headers(
    path: str,
    *,
    to: str,
    frm: str,
    subject: str,
    date: str,
    mid: str,
    auth: str,
    helo: str,
    ip: str,
    dkim_domain: str | None = None,
    extra: tuple[tuple[str, str], ...] = (),
) -> list[tuple[str, str]]:
    when = (parsedate_to_datetime(date) + timedelta(seconds=4)).astimezone(UTC)
    envelope = parseaddr(frm)[1]
    headers: list[tuple[str, str]] = [
        ("Return-Path", f"<{envelope}>"),
        ("Delivered-To", parseaddr(to)[1].lower()),
        *outside_trace(to, helo=helo, ip=ip, auth=auth, when=when, name=path, envelope=envelope),
    ]
    if dkim_domain:
        b = fake_b64(path + "dkim", 128)
        headers.append(
            (
                "DKIM-Signature",
                f"v=1; a=rsa-sha256; c=relaxed/relaxed; d={dkim_domain}; s=20230601; t={int(when.timestamp())};\n"
                "\th=to:subject:message-id:date:from:mime-version:from:to:cc:subject:date:message-id:reply-to;\n"
                f"\tbh={fake_b64(path + 'bh', 43)}=;\n\tb={b[:64]}\n\t {b[64:]}",
            )
        )
    if not subject.isascii():
        subject = encoded_words(subject, "UTF-8", "B")
    headers += [
        ("Date", date),
        ("From", frm),
        ("To", to),
        ("Subject", subject),
        ("Message-ID", f"<{mid}>"),
        *extra,
    ]
    return headers


def simple_html(paragraphs: list[str], *, lang: str = "en") -> str:
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        "<style>body{font-family:Arial,sans-serif;font-size:15px;color:#222;}p{margin:0 0 14px 0;}</style>\n"
        f"</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def outside(
    path: str,
    description: str,
    *,
    to: str,
    frm: str,
    subject: str,
    date: str,
    sent_at: str,
    auth: str,
    helo: str,
    ip: str,
    paragraphs: list[str],
    mid_domain: str,
    mid_style: str = "hex",
    dkim_domain: str | None = None,
    structure: str = "alternative",
    charset: str = "utf-8",
    cte: str = "quoted-printable",
    crlf: bool = False,
    extra: tuple[tuple[str, str], ...] = (),
    lang: str = "en",
    no_mime: bool = False,
    store: bool = True,
) -> Sample:
    mid = message_id(path, mid_domain, mid_style)
    headers = outside_headers(
        path,
        to=to,
        frm=frm,
        subject=subject,
        date=date,
        mid=mid,
        auth=auth,
        helo=helo,
        ip=ip,
        dkim_domain=dkim_domain,
        extra=extra,
    )
    wrap = cte in ("7bit", "8bit") or no_mime
    text = (
        "\n\n".join(
            p
            if not wrap
            else "\n".join(
                textwrap.fill(line, 76, break_long_words=False, break_on_hyphens=False)
                if line
                else ""
                for line in p.split("\n")
            )
            for p in paragraphs
        )
        + "\n"
    )
    return plain_mail(
        path,
        description,
        headers=headers,
        mid=mid,
        to=to,
        sent_at=sent_at,
        text=text,
        html_text=simple_html(paragraphs, lang=lang),
        charset=charset,
        cte=cte,
        structure=structure,
        crlf=crlf,
        no_mime=no_mime,
        store=store,
    )


GMAIL_AUTH = (
    "dkim=pass (2048-bit key) header.d=gmail.com header.i=@gmail.com header.s=20230601 header.b={b};\n"
    "\tspf=pass (mx.{dom}: domain of {addr} designates 209.85.221.45 as permitted sender) smtp.mailfrom={addr};\n"
    "\tdmarc=pass (p=NONE sp=QUARANTINE dis=NONE) header.from=gmail.com"
)


def own_domain_auth(domain: str, addr: str, ip: str, to: str) -> str:
    dom = recipient_domain(to)
    return (
        f"dkim=pass (2048-bit key) header.d={domain} header.i=@{domain} header.s=20230601;\n"
        f"\tspf=pass (mx.{dom}: domain of {addr} designates {ip} as permitted sender) smtp.mailfrom={addr};\n"
        f"\tdmarc=pass (p=NONE dis=NONE) header.from={domain}"
    )


def build_lookalikes() -> None:
    to = "Nadia Benali <nadia.benali@example.com>"
    addr = "meta.support.centre.2025@gmail.com"
    outside(
        "lookalikes/meta-support-display-name-on-gmail-page-disabled",
        "'Meta Support' display name on a gmail.com address: 'your page has been disabled, request a review' scam (DKIM passes for gmail.com, still untrusted)",
        to=to,
        frm=f'"Meta Support" <{addr}>',
        subject="Your page has been disabled - request a review",
        date="Tue, 03 Jun 2025 04:12:55 -0700",
        sent_at="2025-06-03T11:12:55+00:00",
        auth=GMAIL_AUTH.format(b=fake_b64("nadia", 8), dom=recipient_domain(to), addr=addr),
        helo="mail-wr1-f45.google.com",
        ip="209.85.221.45",
        mid_domain="mail.gmail.com",
        mid_style="gmail",
        dkim_domain="gmail.com",
        paragraphs=[
            "Dear Page Admin,",
            "Your Facebook Page has been disabled for violating our Community Standards on intellectual property. "
            "If you believe this is a mistake, you must request a review within 24 hours, otherwise your Page will be "
            "permanently deleted.",
            "Request a review: https://meta-business-appeal.help/case/0487221963",
            "Case number: #0487221963",
            "Meta Support Team\nMeta Platforms, Inc. 1 Hacker Way, Menlo Park, CA 94025",
        ],
    )
    to = "Hannah Wright <hannah.wright@example.co.uk>"
    addr = "security@facebookmail.com.security-check.net"
    outside(
        "lookalikes/facebookmail-lookalike-domain-security-check-net-objection-code",
        "Lookalike domain facebookmail.com.security-check.net sends an 'objection confirmation code' 552019 (ZuckMail header copied; no code may be taken)",
        to=to,
        frm=f'"Facebook" <{addr}>',
        subject="Action required: confirm your objection to AI at Meta",
        date="Thu, 19 Sep 2024 13:37:00 +0000",
        sent_at="2024-09-19T13:37:00+00:00",
        auth=own_domain_auth("facebookmail.com.security-check.net", addr, "45.134.26.77", to),
        helo="mail.security-check.net",
        ip="45.134.26.77",
        mid_domain="facebookmail.com.security-check.net",
        dkim_domain="facebookmail.com.security-check.net",
        extra=(("X-Mailer", "ZuckMail [version 1.00]"), ("X-Facebook-Notify", "confirmation_code")),
        paragraphs=[
            "Hi,",
            "We received your request to object to the use of your information for AI at Meta. To finish your "
            "request, enter this confirmation code within 30 minutes or your account will be restricted:",
            "552019",
            "Confirm now: http://facebookmail.com.security-check.net/objection/confirm?id=552019",
            "Thanks, the Facebook team\nMeta Platforms Ireland Ltd., Merrion Road, Dublin 4, D04 X2K5, Ireland",
        ],
    )
    to = "Lucas Moreau <lucas.moreau@example.fr>"
    addr = "facebook@alerting-services.com"
    outside(
        "lookalikes/alerting-services-facebook-page-disabled",
        "'Facebook' <facebook@alerting-services.com> page-disabled phishing (no DKIM, dmarc=none); plain 7bit",
        to=to,
        frm=f'"Facebook" <{addr}>',
        subject="Your page will be disabled - request a review",
        date="Mon, 24 Feb 2025 22:05:13 +0100",
        sent_at="2025-02-24T21:05:13+00:00",
        auth=(
            "dkim=none (no signature);\n"
            f"\tspf=neutral (mx.example.fr: 91.92.240.18 is neither permitted nor denied by domain of {addr}) smtp.mailfrom={addr};\n"
            "\tdmarc=none (p=NONE dis=NONE) header.from=alerting-services.com"
        ),
        helo="alerting-services.com",
        ip="91.92.240.18",
        mid_domain="alerting-services.com",
        mid_style="uuid",
        structure="plain",
        cte="7bit",
        paragraphs=[
            "Facebook Page Notice",
            "We have received several reports that your Page violates our trademark rights. Your Page will be "
            "disabled within 24 hours unless you request a review.",
            "Request review: https://alerting-services.com/facebook/review?ref=6359191084165019",
            "Ticket ID: 73920156",
            "Facebook Security Team",
        ],
    )
    to = "anna.k@example.org"
    addr = "hello@privacybrief.example.com"
    outside(
        "lookalikes/newsletter-quoting-meta-objection-wording",
        "Privacy newsletter that quotes Meta's notice and approval wording ('right to object', 'We will honour your objection') and a sample code",
        to=to,
        frm=f'"The Privacy Brief" <{addr}>',
        subject="How to object to AI at Meta (and what the reply looks like)",
        date="Sun, 15 Sep 2024 07:00:00 +0000",
        sent_at="2024-09-15T07:00:00+00:00",
        auth=own_domain_auth(
            "privacybrief.example.com", "bounces+4471@privacybrief.example.com", "198.51.100.40", to
        ),
        helo="out.privacybrief.example.com",
        ip="198.51.100.40",
        mid_domain="privacybrief.example.com",
        dkim_domain="privacybrief.example.com",
        extra=(
            ("List-Id", "The Privacy Brief <weekly.privacybrief.example.com>"),
            ("List-Unsubscribe", "<https://privacybrief.example.com/unsubscribe?u=4471>"),
            ("Precedence", "bulk"),
        ),
        paragraphs=[
            "The Privacy Brief - issue 37",
            "This week many of you received an email from Facebook that says: \"We're getting ready to expand our AI "
            'at Meta experiences ... You have the right to object to the use of your information for these purposes."',
            "Here is how the process works: open the form, enter the email address of your account and a reason, then "
            "type in the confirmation code Meta emails you (it looks like 123456). Readers tell us the answer arrives "
            'within minutes and reads: "We will honour your objection for your public information, such as public '
            'posts and comments."',
            "If you've already objected, you don't need to submit another request.",
            "Until next Sunday, the Privacy Brief team",
        ],
    )
    to = "Julien Dubois <julien.dubois@example.fr>"
    addr = "camille.dubois@example.fr"
    outside(
        "lookalikes/forwarded-meta-approval-inline-from-friend",
        "A person forwards Meta's French approval inline ('TR: Votre opposition a été acceptée'); Meta's wording inside, sender is not Meta",
        to=to,
        frm=f"Camille Dubois <{addr}>",
        subject="TR: Votre opposition a été acceptée",
        date="Wed, 21 May 2025 09:30:12 +0200",
        sent_at="2025-05-21T07:30:12+00:00",
        auth=own_domain_auth("example.fr", addr, "203.0.113.15", to),
        helo="smtp.example.fr",
        ip="203.0.113.15",
        mid_domain="example.fr",
        dkim_domain="example.fr",
        structure="plain",
        cte="8bit",
        lang="fr",
        extra=(("User-Agent", "Mozilla Thunderbird"),),
        paragraphs=[
            "Coucou, ça y est, Meta a accepté mon opposition. Tu devrais le faire aussi !",
            "-------- Message transféré --------\n"
            "Sujet : Votre opposition a été acceptée\n"
            "Date : Wed, 21 May 2025 09:12:40 +0200\n"
            "De : Facebook <notification@facebookmail.com>\n"
            "Pour : Camille Dubois <camille.dubois@example.fr>",
            "Bonjour Camille,",
            "Nous avons examiné votre demande d'opposition à l'utilisation de vos informations pour l'IA chez Meta.",
            "Nous respecterons votre opposition pour vos informations publiques, comme vos publications et "
            "commentaires publics. Nous respecterons également votre opposition pour tous les autres comptes que vous "
            "avez ajoutés au même Espace Comptes que ce compte.",
            "L'équipe Confidentialité de Meta",
        ],
    )

    # A real-looking Instagram objection-code mail, forwarded as an attachment by a person.
    inner = meta_mail(
        "lookalikes/forwarded-meta-objection-code-as-attachment#inner",
        "",
        sender="ig-security",
        to="priya.shah@example.com",
        date="Wed, 02 Oct 2024 20:58:10 +0100",
        sent_at="2024-10-02T19:58:10+00:00",
        subject="Confirm your objection",
        content=Content(
            "en-GB",
            "Use this code to confirm your objection.",
            (
                "Hi priya.shah,",
                "Use this code to confirm your objection to the use of your information for AI at Meta:",
                Code("902184", "Confirmation code:"),
                "This code expires in 10 minutes.",
                "Thanks, the Instagram team",
            ),
        ),
        kind="code",
        code="902184",
        purpose="objection",
        minutes=10,
        structure="plain",
        charset="us-ascii",
        cte="7bit",
        store=False,
    )
    path = "lookalikes/forwarded-meta-objection-code-as-attachment"
    to = "Rahul Mehta <rahul.mehta@example.net>"
    addr = "priya.shah@example.com"
    mid = message_id(path, "mail.gmail.com", "gmail")
    plain_mail(
        path,
        "A person forwards a genuine-looking Instagram objection-code mail as a message/rfc822 attachment (inner DKIM pass); outer sender is not Meta",
        headers=outside_headers(
            path,
            to=to,
            frm=f"Priya Shah <{addr}>",
            subject="Fwd: Confirm your objection - is this real?",
            date="Wed, 02 Oct 2024 21:15:40 +0100",
            mid=mid,
            auth=own_domain_auth("example.com", addr, "203.0.113.77", to),
            helo="smtp.example.com",
            ip="203.0.113.77",
            dkim_domain="example.com",
        ),
        mid=mid,
        to=to,
        sent_at="2024-10-02T20:15:40+00:00",
        attachment=inner.data,
        attachment_text=(
            "Hi Rahul,\n\nI filled in the Instagram objection form and got the mail below. Is it\n"
            "legit? The code was 902184 and I already typed it in.\n\nPriya\n"
        ),
        cte="7bit",
    )

    to = "chloe.martin@example.com"
    addr = "security@mail.instagram.com.account-verify.co"
    outside(
        "lookalikes/instagram-lookalike-subdomain-login-code",
        "'390 572 is your Instagram code' from mail.instagram.com.account-verify.co (lookalike subdomain); HTML-only",
        to=to,
        frm=f'"Instagram" <{addr}>',
        subject="390 572 is your Instagram code",
        date="Sun, 09 Feb 2025 03:33:03 +0000",
        sent_at="2025-02-09T03:33:03+00:00",
        auth=own_domain_auth("mail.instagram.com.account-verify.co", addr, "185.100.87.41", to),
        helo="mail.account-verify.co",
        ip="185.100.87.41",
        mid_domain="account-verify.co",
        dkim_domain="mail.instagram.com.account-verify.co",
        structure="html",
        paragraphs=[
            "Hi chloe.martin,",
            "Someone tried to log in to your Instagram account. If this was you, please use the following code to "
            "confirm your identity:",
            "390 572",
            "If this wasn't you, secure your account now: https://instagram.com.account-verify.co/secure",
            "Thanks, the Instagram team",
        ],
    )
    to = "=?UTF-8?Q?In=C3=AAs_Costa?= <ines.costa@example.pt>"
    addr = "alerts@meta-privacy-centre.com"
    outside(
        "lookalikes/meta-address-in-display-name-only",
        "Display name is 'noreply@meta.com' but the address is alerts@meta-privacy-centre.com: a fake decline of an objection",
        to=to,
        frm=f'"noreply@meta.com" <{addr}>',
        subject="Your objection to AI at Meta could not be processed",
        date="Thu, 05 Jun 2025 16:48:27 +0200",
        sent_at="2025-06-05T14:48:27+00:00",
        auth=own_domain_auth("meta-privacy-centre.com", addr, "193.233.48.9", to),
        helo="mx.meta-privacy-centre.com",
        ip="193.233.48.9",
        mid_domain="meta-privacy-centre.com",
        dkim_domain="meta-privacy-centre.com",
        paragraphs=[
            "Hello,",
            "We are unable to honour your objection to the use of your information for AI at Meta because your "
            "account could not be verified.",
            "Verify your account within 48 hours to keep your objection: https://meta-privacy-centre.com/verify?case=7730912",
            "Meta Privacy Centre",
        ],
    )

    # Spoofs: From is a Meta address, the provider's topmost verdict says DKIM/DMARC failed.
    content = approval_nl("Daan")
    content = Content(
        content.lang,
        content.preheader,
        (
            *content.blocks[:-1],
            "Bevestig binnen 24 uur je account om je bezwaar te behouden:",
            Button(
                "Account bevestigen", "https://facebook-privacy-centrum.com/bevestigen?id=317864"
            ),
            content.blocks[-1],
        ),
    )
    meta_mail(
        "lookalikes/spoofed-facebookmail-approval-nl-dkim-dmarc-fail",
        "Spoof: From notification@facebookmail.com, Dutch approval text, but the provider says dkim=fail and dmarc=fail (kind approved, untrusted; daan's account must stay pending)",
        sender="fb-notification",
        to="Daan de Vries <daan.devries@example.nl>",
        date="Fri, 23 May 2025 08:02:51 +0200",
        sent_at="2025-05-23T06:02:51+00:00",
        subject="We honoreren je bezwaar",
        content=content,
        kind="approved",
        verdict="fail",
        spoof_ip="185.234.72.19",
    )
    meta_mail(
        "lookalikes/spoofed-instagram-objection-code-forged-pass-below",
        "Spoof: Instagram objection code 771209; the provider's topmost Authentication-Results fails, a forged 'dkim=pass dmarc=pass' one sits below it (topmost wins)",
        sender="ig-security",
        to="Noah Walker <noah.walker@example.com>",
        date="Sat, 31 May 2025 14:20:00 +0100",
        sent_at="2025-05-31T13:20:00+00:00",
        subject="Your confirmation code",
        content=Content(
            "en-GB",
            "Use this code to confirm your objection.",
            (
                "Hi noah.walker,",
                "Use this code to confirm your objection to the use of your information for AI at Meta:",
                Code("771209", "Confirmation code:"),
                "This code expires in 10 minutes.",
                "Thanks, the Instagram team",
            ),
        ),
        kind="code",
        code="771209",
        purpose="objection",
        minutes=10,
        verdict="fail",
        forged_pass_below=True,
        spoof_ip="45.155.205.233",
    )
    meta_mail(
        "lookalikes/spoofed-meta-com-rejected-dkim-pass-dmarc-fail",
        "Spoof: From noreply@meta.com with a decline; DKIM passes only for the sender's own relay domain and dmarc=fail (kind rejected, untrusted)",
        sender="meta-noreply",
        to="Lars Eriksson <lars.eriksson@example.se>",
        date="Tue, 03 Jun 2025 11:45:09 +0200",
        sent_at="2025-06-03T09:45:09+00:00",
        subject="We couldn't process your objection",
        content=Content(
            "en-GB",
            "We are unable to honour your objection.",
            (
                "Hi Lars,",
                "We've reviewed your request to object to the use of your information for AI at Meta.",
                "We are unable to honour your objection because we couldn't confirm that you own this account. To appeal "
                "this decision, verify your identity within 48 hours.",
                Button(
                    "Verify your identity", "https://meta-accounts-review.com/appeal?ref=5519203"
                ),
                "Meta Privacy Operations",
            ),
        ),
        kind="rejected",
        verdict="dmarc-fail",
        spoof_ip="194.169.175.30",
    )


# --- ordinary/: normal mail from others ---------------------------------------------------------


def build_ordinary() -> None:
    to = "Michael Okafor <m.okafor@example.net>"
    addr = "newsletter@bytesized.example.com"
    outside(
        "ordinary/newsletter-tech-digest",
        "A tech newsletter with issue numbers, prices and a discount code SPRING20; multipart/alternative QP",
        to=to,
        frm=f'"Byte Sized Weekly" <{addr}>',
        subject="Byte Sized #142: passkeys, new laptops and 20% off",
        date="Fri, 07 Mar 2025 06:30:00 -0500",
        sent_at="2025-03-07T11:30:00+00:00",
        auth=own_domain_auth("bytesized.example.com", addr, "198.51.100.12", to),
        helo="mta12.bytesized.example.com",
        ip="198.51.100.12",
        mid_domain="bytesized.example.com",
        dkim_domain="bytesized.example.com",
        extra=(
            ("List-Unsubscribe", "<https://bytesized.example.com/u/81723>"),
            ("Precedence", "bulk"),
        ),
        paragraphs=[
            "Byte Sized Weekly - issue 142",
            "Passkeys are finally everywhere: this week we look at how to move your accounts off passwords.",
            "New laptops under EUR 1,299: our five picks for 2025.",
            "Subscribers get 20% off the annual plan with code SPRING20 until 31 March.",
            "See you next Friday!",
        ],
    )
    to = "Anna K. <anna.k@example.org>"
    addr = "security-noreply@linkedin.com"
    outside(
        "ordinary/linkedin-data-archive-ready",
        "'Your LinkedIn data archive is ready!' (another platform's data export, not Meta)",
        to=to,
        frm=f'"LinkedIn" <{addr}>',
        subject="Your LinkedIn data archive is ready!",
        date="Mon, 16 Sep 2024 17:42:10 +0000",
        sent_at="2024-09-16T17:42:10+00:00",
        auth=(
            "dkim=pass (1024-bit key) header.d=linkedin.com header.i=@linkedin.com header.s=d2048-202308-04;\n"
            f"\tspf=pass (mx.example.org: domain of s-{digest('li')[:12]}@bounce.linkedin.com designates 108.174.0.215 as permitted sender) smtp.mailfrom=s-{digest('li')[:12]}@bounce.linkedin.com;\n"
            "\tdmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=linkedin.com"
        ),
        helo="mailb-ae.linkedin.com",
        ip="108.174.0.215",
        mid_domain="ltx1-app1234.prod.linkedin.com",
        mid_style="dotted",
        dkim_domain="linkedin.com",
        paragraphs=[
            "Hi Anna,",
            "The first installment of your LinkedIn data archive is ready. You can download it from the Settings "
            "page: https://www.linkedin.com/mypreferences/d/download-my-data",
            "Your archive will be available for 72 hours.",
            "Thanks, The LinkedIn Team",
            "This email was intended for Anna K. LinkedIn Corporation, 1000 West Maude Avenue, Sunnyvale, CA 94085.",
        ],
    )
    to = "Tom Hughes <tom.hughes@example.net>"
    addr = "takeout-noreply@google.com"
    outside(
        "ordinary/google-data-ready-to-download",
        "'Your Google data is ready to download' (Google Takeout); multipart/alternative base64, CRLF",
        to=to,
        frm=f'"Google" <{addr}>',
        subject="Your Google data is ready to download",
        date="Sat, 16 Nov 2024 23:58:01 -0800",
        sent_at="2024-11-17T07:58:01+00:00",
        auth=(
            "dkim=pass (2048-bit key) header.d=google.com header.i=@google.com header.s=20230601;\n"
            f"\tspf=pass (mx.example.net: domain of {addr} designates 209.85.220.73 as permitted sender) smtp.mailfrom={addr};\n"
            "\tdmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=google.com"
        ),
        helo="mail-sor-f73.google.com",
        ip="209.85.220.73",
        mid_domain="google.com",
        mid_style="uuid",
        dkim_domain="google.com",
        cte="base64",
        crlf=True,
        paragraphs=[
            "Your Google data is ready",
            "The Google data you requested on 15 November 2024 is ready. Your archive (2 files, 4.7 GB) includes "
            "data from Gmail, Google Photos and Drive.",
            "Download your files: https://takeout.google.com/manage/archive/9b2e51a0-7f3c-4d11-8a6e-2c8f10d4e9b7",
            "You can download this archive until 24 November 2024.",
            "Google LLC, 1600 Amphitheatre Parkway, Mountain View, CA 94043, USA",
        ],
    )
    to = "Anna K. <anna.k@example.org>"
    addr = "tom.hughes@example.net"
    outside(
        "ordinary/personal-mail-door-code-no-mime",
        "Personal mail without any MIME headers (RFC 5322 plain ASCII) mentioning a door code 2580 and a phone number",
        to=to,
        frm=f"Tom Hughes <{addr}>",
        subject="Saturday dinner",
        date="Fri, 13 Sep 2024 18:22:05 +0100",
        sent_at="2024-09-13T17:22:05+00:00",
        auth=own_domain_auth("example.net", addr, "203.0.113.41", to),
        helo="smtp.example.net",
        ip="203.0.113.41",
        mid_domain="example.net",
        mid_style="dotted",
        dkim_domain="example.net",
        no_mime=True,
        paragraphs=[
            "Hi Anna,",
            "Dinner on Saturday at 7:30? We're at flat 14 now; the door code is 2580. Call me on 07700 900123 if you "
            "get lost.",
            "Tom",
        ],
    )
    to = "javier.garcia@example.es"
    addr = "avisos@bancoejemplo.example.com"
    outside(
        "ordinary/bank-verification-code-es-not-meta",
        "A bank's Spanish verification code ('Tu código de verificación es 551234') with an amount: a code, but not Meta's; plain UTF-8 8bit",
        to=to,
        frm=f'"Banco Ejemplo" <{addr}>',
        subject="Tu código de verificación",
        date="Thu, 22 May 2025 19:03:44 +0200",
        sent_at="2025-05-22T17:03:44+00:00",
        auth=own_domain_auth("bancoejemplo.example.com", addr, "198.51.100.90", to),
        helo="mail.bancoejemplo.example.com",
        ip="198.51.100.90",
        mid_domain="bancoejemplo.example.com",
        dkim_domain="bancoejemplo.example.com",
        structure="plain",
        cte="8bit",
        lang="es",
        paragraphs=[
            "Hola, Javier:",
            "Tu código de verificación es 551234. Úsalo para autorizar la compra de 49,99 EUR en TIENDA ONLINE SL. "
            "El código caduca en 5 minutos.",
            "Si no has realizado esta operación, llama al 900 123 456.",
            "Banco Ejemplo",
        ],
    )


# --- broken/: genuine Meta mail that is malformed ----------------------------------------------------


def build_broken() -> None:
    meta_mail(
        "broken/approved-en-gb-no-date-header",
        "Genuine-looking UK approval with no Date header at all: its time is the topmost Received line's (approximate)",
        sender="fb-notification",
        to="Ruth Evans <ruth.evans@example.org>",
        date=None,
        sent_at="2024-09-17T08:30:04+00:00",
        received_at="Tue, 17 Sep 2024 08:30:00 +0000",
        subject="Your objection to the use of your information for AI at Meta",
        content=approval_en("Ruth", us=False),
        kind="approved",
    )
    meta_mail(
        "broken/notice-en-gb-x-unknown-charset",
        'UK notice whose Content-Type says charset="x-unknown-charset"; the body is plain ASCII and parses normally',
        sender="fb-notification",
        to="Tom Hughes <tom.hughes@example.net>",
        date="Wed, 11 Sep 2024 19:20:00 +0100",
        sent_at="2024-09-11T18:20:00+00:00",
        subject="Learn how we'll use your information as we expand AI at Meta",
        content=notice_en_gb("Tom"),
        kind="notice",
        structure="plain",
        charset="us-ascii",
        cte="7bit",
        charset_override="x-unknown-charset",
    )


# --- archives/: an mboxrd Takeout file and a Maildir ----------------------------------------------


def takeout_prefix(sample: Sample, labels: str) -> bytes:
    thrid = str(int(digest(sample.path)[:15], 16) + 1790000000000000000)[:19]
    return f"X-GM-THRID: {thrid}\nX-Gmail-Labels: {labels}\n".encode() + sample.data


def mboxrd_escape(message: bytes) -> bytes:
    lines = message.split(b"\n")
    return b"\n".join(b">" + line if re.match(rb">*From ", line) else line for line in lines)


def build_archives() -> tuple[dict[str, bytes], list[dict]]:
    files: dict[str, bytes] = {}
    entries: list[dict] = []
    marco = "Marco Rossi <marco.rossi@example.it>"

    # ---- takeout-2024.mbox: 3 ordinary + 3 Meta (Italian Instagram, June 2024 round)
    mbox_samples: list[tuple[Sample, str]] = []
    addr = "weekend@letture.example.com"
    mbox_samples.append(
        (
            outside(
                "archives/takeout-2024.mbox#newsletter",
                "",
                to=marco,
                frm=f'"Weekend Reads" <{addr}>',
                subject="Weekend Reads: five long stories for a rainy Sunday",
                date="Tue, 28 May 2024 07:00:00 +0000",
                sent_at="2024-05-28T07:00:00+00:00",
                auth=own_domain_auth("letture.example.com", addr, "198.51.100.61", marco),
                helo="out.letture.example.com",
                ip="198.51.100.61",
                mid_domain="letture.example.com",
                dkim_domain="letture.example.com",
                structure="plain",
                cte="7bit",
                store=False,
                paragraphs=[
                    "Weekend Reads - 28 May 2024",
                    "From the archive:\nThe lost recipes of Liguria, a 1984 interview with a lighthouse keeper, and why trains in Italy run on the left.",
                    'From our readers:\n"I read the lighthouse piece three times." - Giovanna, Genova',
                    "Buona lettura!",
                ],
            ),
            "Inbox,Category Promotions",
        )
    )
    mbox_samples.append(
        (
            meta_mail(
                "archives/takeout-2024.mbox#notice",
                "",
                sender="ig-noreply",
                to=marco,
                date="Sat, 01 Jun 2024 10:14:22 +0200",
                sent_at="2024-06-01T08:14:22+00:00",
                subject="Stiamo aggiornando la nostra Informativa sulla privacy mentre espandiamo l'IA in Meta",
                content=notice_it("marco.rossi", IG_FORM_2024, year=2024),
                kind="notice",
                store=False,
            ),
            "Inbox,Opened,Category Updates",
        )
    )
    addr = "luca.ferri@example.it"
    mbox_samples.append(
        (
            outside(
                "archives/takeout-2024.mbox#personal",
                "",
                to=marco,
                frm=f"Luca Ferri <{addr}>",
                subject="Re: calcetto giovedì",
                date="Mon, 10 Jun 2024 20:45:10 +0200",
                sent_at="2024-06-10T18:45:10+00:00",
                auth=own_domain_auth("example.it", addr, "203.0.113.88", marco),
                helo="smtp.example.it",
                ip="203.0.113.88",
                mid_domain="example.it",
                mid_style="dotted",
                dkim_domain="example.it",
                structure="plain",
                cte="8bit",
                lang="it",
                store=False,
                paragraphs=[
                    "Ciao Marco,",
                    "giovedì alle 21:00 va benissimo, campo 3 come sempre. Porto io il pallone.",
                    "Luca",
                    "Il 10/06/2024 19:02, Marco Rossi ha scritto:\n>From what Paolo said, the pitch is booked until 22:30.\n> Ci sei giovedì?",
                ],
            ),
            "Inbox,Opened",
        )
    )
    mbox_samples.append(
        (
            meta_mail(
                "archives/takeout-2024.mbox#code",
                "",
                sender="ig-security",
                to=marco,
                date="Wed, 12 Jun 2024 21:03:40 +0200",
                sent_at="2024-06-12T19:03:40+00:00",
                subject="Codice di conferma per la tua richiesta",
                content=Content(
                    "it",
                    "Conferma la tua opposizione.",
                    (
                        "Ciao marco.rossi,",
                        "per confermare la tua opposizione all'uso delle tue informazioni per l'IA in Meta, inserisci "
                        "questo codice nel modulo:",
                        Code("760394", "Il tuo codice:"),
                        "Il codice è valido per 15 minuti.",
                        "Il team di Instagram",
                    ),
                ),
                kind="code",
                code="760394",
                purpose="objection",
                minutes=15,
                store=False,
            ),
            "Inbox,Opened,Category Updates",
        )
    )
    mbox_samples.append(
        (
            meta_mail(
                "archives/takeout-2024.mbox#approved",
                "",
                sender="ig-noreply",
                to=marco,
                date="Thu, 13 Jun 2024 09:47:05 +0200",
                sent_at="2024-06-13T07:47:05+00:00",
                subject="Abbiamo accolto la tua opposizione",
                content=approval_it("marco.rossi"),
                kind="approved",
                store=False,
            ),
            "Inbox,Opened,Category Updates",
        )
    )
    addr = "noreply@treni.example.com"
    mbox_samples.append(
        (
            outside(
                "archives/takeout-2024.mbox#train",
                "",
                to=marco,
                frm=f'"Treni Italia Viaggi" <{addr}>',
                subject="Conferma di acquisto - Roma Termini > Firenze S.M.N.",
                date="Fri, 14 Jun 2024 12:00:05 +0200",
                sent_at="2024-06-14T10:00:05+00:00",
                auth=own_domain_auth("treni.example.com", addr, "198.51.100.77", marco),
                helo="mail.treni.example.com",
                ip="198.51.100.77",
                mid_domain="treni.example.com",
                dkim_domain="treni.example.com",
                lang="it",
                store=False,
                paragraphs=[
                    "Gentile Marco Rossi,",
                    "grazie per aver acquistato con noi. Codice prenotazione (PNR): K7QX2M. Biglietto n. 2847561930.",
                    "Partenza 21/06/2024 ore 08:15 da Roma Termini, arrivo 09:51 a Firenze S.M.N. Totale: 39,90 €.",
                    "Buon viaggio!",
                ],
            ),
            "Inbox,Opened,Category Updates",
        )
    )
    mbox = b""
    for index, (sample, labels) in enumerate(mbox_samples):
        message = takeout_prefix(sample, labels)
        assert message.endswith(b"\n") and b"\r" not in message
        when = parsedate_to_datetime(sample_date(sample.data)).astimezone(UTC)
        thrid = message.split(b"\n", 1)[0].split(b": ")[1].decode()
        mbox += f"From {thrid}@xxx {when:%a %b %d %H:%M:%S +0000 %Y}\n".encode()
        mbox += mboxrd_escape(message) + b"\n"
        entries.append({"source": f"takeout-2024.mbox#{index}", **sample.expected})
    files["archives/takeout-2024.mbox"] = mbox

    # ---- Maildir/: 2 ordinary + 2 Meta (Swedish Facebook: notice, code pending)
    sofia = "Sofia Lind <sofia.lind@example.se>"
    maildir: list[tuple[Sample, str, str]] = []
    maildir.append(
        (
            meta_mail(
                "archives/Maildir#notice",
                "",
                sender="fb-notification",
                to=sofia,
                date="Wed, 16 Apr 2025 10:00:00 +0200",
                sent_at="2025-04-16T08:00:00+00:00",
                subject="Läs om hur vi använder din information för att förbättra AI hos Meta",
                content=notice_sv("Sofia", FB_FORM_2025, "Facebook-teamet"),
                kind="notice",
                store=False,
            ),
            "cur",
            ":2,S",
        )
    )
    addr = "karin.lind@example.se"
    maildir.append(
        (
            outside(
                "archives/Maildir#personal",
                "",
                to=sofia,
                frm=f"Karin Lind <{addr}>",
                subject="Fika på lördag?",
                date="Sat, 10 May 2025 09:12:00 +0200",
                sent_at="2025-05-10T07:12:00+00:00",
                auth=own_domain_auth("example.se", addr, "203.0.113.120", sofia),
                helo="smtp.example.se",
                ip="203.0.113.120",
                mid_domain="example.se",
                mid_style="dotted",
                dkim_domain="example.se",
                structure="plain",
                cte="8bit",
                lang="sv",
                store=False,
                paragraphs=[
                    "Hej Sofia!",
                    "Fika på lördag kl. 15:00? Portkoden är 1234, tredje våningen.",
                    "Kram, Karin",
                ],
            ),
            "cur",
            ":2,S",
        )
    )
    addr = "order@nordicbooks.example.com"
    maildir.append(
        (
            outside(
                "archives/Maildir#receipt",
                "",
                to=sofia,
                frm=f'"Nordic Books" <{addr}>',
                subject="Orderbekräftelse #100245871",
                date="Mon, 19 May 2025 14:30:41 +0200",
                sent_at="2025-05-19T12:30:41+00:00",
                auth=own_domain_auth("nordicbooks.example.com", addr, "198.51.100.140", sofia),
                helo="mail.nordicbooks.example.com",
                ip="198.51.100.140",
                mid_domain="nordicbooks.example.com",
                dkim_domain="nordicbooks.example.com",
                lang="sv",
                store=False,
                paragraphs=[
                    "Tack för din beställning!",
                    "Ordernummer: 100245871. Totalt: 349,00 kr inklusive frakt.",
                    "Beräknad leverans: 21-23 maj 2025.",
                    "Nordic Books AB",
                ],
            ),
            "cur",
            ":2,RS",
        )
    )
    maildir.append(
        (
            meta_mail(
                "archives/Maildir#code",
                "",
                sender="fb-security",
                to=sofia,
                date="Tue, 27 May 2025 18:22:45 +0200",
                sent_at="2025-05-27T16:22:45+00:00",
                subject="Din verifieringskod",
                content=Content(
                    "sv",
                    "Slutför din invändning.",
                    (
                        "Hej Sofia!",
                        "Ange den här verifieringskoden för att slutföra din invändning mot att din information används "
                        "för AI hos Meta:",
                        Code("530917", "Din verifieringskod:"),
                        "Koden gäller i 1 timme.",
                        "Facebook-teamet",
                    ),
                ),
                kind="code",
                code="530917",
                purpose="objection",
                minutes=60,
                structure="plain",
                cte="8bit",
                store=False,
            ),
            "new",
            "",
        )
    )
    for number, (sample, folder, info) in enumerate(maildir, start=1):
        delivered = parsedate_to_datetime(sample_date(sample.data)) + timedelta(seconds=4)
        name = f"{int(delivered.timestamp())}.M{number}P{4242 + number}.mailhost.example.se{info}"
        files[f"archives/Maildir/{folder}/{name}"] = sample.data
        entries.append({"source": f"Maildir/{folder}/{name}", **sample.expected})
    files["archives/Maildir/tmp/.gitkeep"] = b""
    return files, entries


def sample_date(data: bytes) -> str:
    return str(message_from_bytes(data, policy=default_policy)["Date"])


# ======================================================================================
# README, writing, checking
# ======================================================================================

GROUP_INTRO = {
    "facebook": "Meta's objection flow on Facebook: notices, objection codes, acknowledgements, decisions.",
    "instagram": "The same flow on Instagram.",
    "other-meta": "Meta's harmless mail: login and sign-up codes, policy updates, downloads, login alerts.",
    "lookalikes": "Phishing, lookalike domains, newsletters and forwards quoting Meta, and spoofs with failing DKIM/DMARC.",
    "ordinary": "Normal mail from others.",
    "broken": "Genuine Meta mail that is malformed in one way.",
}


def readme(archive_entries: list[dict]) -> bytes:
    out = [
        "# Sample emails",
        "",
        "A realistic corpus of Meta's 2024-2025 \"right to object to AI at Meta\" mails, Meta's other mail, lookalikes",
        "and ordinary mail. Each `<group>/<name>.eml` has `<name>.expected.json` beside it: what `tracker` must parse",
        "from it. Names say what a mail is. The facts behind the wording are in `/work/shared/meta-emails.md`.",
        "",
        "The `.eml` files are the source of truth. `generate.py` (stdlib only; checked with Python 3.11, 3.12 and",
        "3.13) reproduces every file here byte for byte; `python sample_emails/generate.py --check` also decodes",
        "every mail with `email.message_from_bytes(policy=email.policy.default)` and checks the expected JSON",
        "against it (Date -> sent_at, To -> account, Message-ID, the trust rule, the code's digits in the text).",
        "To change the corpus, edit `generate.py`, run it, and commit the regenerated files with it.",
        "",
        "`languages/<lang>/` is not made here: `tools/make_language_samples.py` builds it from the wording in",
        "`tools/language_samples/<lang>.toml` (one file per built-in language), with `form_link`, `reference`,",
        "`language` and `variant` in its expected JSON as well.",
        "",
        "## Expected JSON",
        "",
        "```json",
        '{"kind": "code", "platform": "facebook", "account": "anna.k@example.org", "code": "731942",',
        ' "sent_at": "2024-09-12T09:40:00+00:00", "message_id": "...@facebookmail.com", "trusted": true,',
        ' "code_purpose": "objection", "code_valid_minutes": 10}',
        "```",
        "",
        "- `kind`: notice | code | received | info_requested | approved | rejected | unrecognised | other.",
        "  Anything not sent by Meta is `other`.",
        "- `platform`: facebook | instagram | threads | whatsapp | meta | null (null for non-Meta senders).",
        "- `account`: the To address, lower-cased. `sent_at`: the Date header in UTC (null without a Date header).",
        "- `trusted`: the From address's domain is Meta's and the receiving provider's `Authentication-Results`",
        "  show an aligned pass (SECURITY.md). Untrusted mail never has a `code`, `code_purpose` or `code_valid_minutes`.",
        "- `code`: digits only (`418 207` -> `418207`, `FB-56099` -> `56099`). `code_purpose`: objection | login |",
        "  unknown (the mail names neither).",
        "- `broken/approved-en-gb-no-date-header` has no Date: its `sent_at` is the topmost Received line's time.",
        "",
        "## Account stories (for `tracker report`)",
        "",
        "| account | platform | mails | end state |",
        "| --- | --- | --- | --- |",
        "| anna.k@example.org | facebook | notice 2024-09-10, code 2024-09-12 09:40 UTC, approved 10:01 UTC (21 min) | approved |",
        "| oliver.bennett@example.net | facebook | received 2024-10-07 (third-party form), rejected 2024-10-12 | rejected |",
        "| jordan.miller@example.com | facebook | approved 2024-09-25 (US spelling); Oct 2025 ads notice is `other` | approved |",
        "| lena.schmidt@example.org | facebook | code 2025-05-31 19:14 UTC, approved 19:26 UTC | approved |",
        "| camille.dubois@example.fr | facebook | notice, code 2025-05-19 16:45, received 16:47, approved 2025-05-21 07:12 | approved |",
        "| javier.garcia@example.es | facebook | notice, code 2025-05-20 23:20 UTC, rejected 2025-05-21 14:05 | rejected |",
        "| daan.devries@example.nl | facebook | notice, code 2025-05-22 18:31 UTC; a spoofed (untrusted) approval in lookalikes/ | pending |",
        "| katarzyna.nowak@example.pl | facebook | notice, code 2025-05-23 11:02, rejected 17:44 | rejected |",
        "| ruth.evans@example.org | facebook | approved, but without a Date header (broken/) | approved, no date |",
        "| tom.hughes@example.net | facebook | notice 2024-09-11 (x-unknown-charset, broken/) | notified |",
        "| giulia.bianchi@example.it | instagram | notice, code 2025-05-26 06:17 UTC, approved 2025-05-27 06:09 (23 h 52 min) | approved |",
        "| jonas.becker@example.de | instagram | notice 2025-04-15 only | notified |",
        "| lucia.fernandez@example.com | instagram | code 2025-05-28 10:10 UTC, approved 10:14 | approved |",
        "| sanne.jansen@example.nl | instagram | approved 2025-05-29 only | approved |",
        "| piotr.wisniewski@example.pl | instagram | code 2025-05-25 08:05 UTC, approved 08:09 | approved |",
        "| joao.silva@example.pt | instagram | notice, code 2025-05-24 14:33 UTC, approved 14:36 | approved |",
        "| erik.johansson@example.se | instagram | notice, code 2025-05-26 17:02 UTC, approved 17:20 | approved |",
        "| priya.shah@example.com | instagram | received 2024-10-03 (Meta needs more information) | pending |",
        "| marco.rossi@example.it | instagram | archives/takeout-2024.mbox: notice, code 2024-06-12 19:03 UTC, approved 2024-06-13 07:47 | approved |",
        "| sofia.lind@example.se | facebook | archives/Maildir: notice, code 2025-05-27 16:22 UTC | pending |",
        "",
        "Login/sign-up codes (`code_purpose` login) go to accounts outside these stories; they must not count as an",
        "objection. Untrusted mail (lookalikes/) never changes an account's state.",
        "",
        "## Files",
        "",
    ]
    for group in GROUP_INTRO:
        out += [
            f"### {group}/",
            "",
            GROUP_INTRO[group],
            "",
            "| file | kind | platform | trusted | what it is |",
            "| --- | --- | --- | --- | --- |",
        ]
        for s in SAMPLES:
            if s.path.split("/")[0] != group:
                continue
            e = s.expected
            out.append(
                f"| `{s.path.split('/', 1)[1]}.eml` | {e['kind']} | {e['platform'] or '-'} | "
                f"{'yes' if e['trusted'] else 'no'} | {s.description} |"
            )
        out.append("")
    out += [
        "### archives/",
        "",
        "`takeout-2024.mbox` is mboxrd (Gmail Takeout style `From ` lines, `>From ` escaped to `>>From `);",
        "`Maildir/` has `cur/`, `new/` and an empty `tmp/` (kept with `.gitkeep`). `expected.json` lists every",
        'contained message as `{"source": ..., <the fields above>}`.',
        "",
        "| source | kind | platform | account | what it is |",
        "| --- | --- | --- | --- | --- |",
    ]
    notes = {
        "takeout-2024.mbox#0": "newsletter; two body lines start with `From ` (escaped in the file)",
        "takeout-2024.mbox#1": "Italian Instagram notice, June 2024 round",
        "takeout-2024.mbox#2": "personal mail; a quoted line `>From ...` (stored as `>>From`)",
        "takeout-2024.mbox#3": "Italian objection code 760394, valid 15 minutes",
        "takeout-2024.mbox#4": "Italian approval ('Accoglieremo la tua opposizione')",
        "takeout-2024.mbox#5": "train ticket with a booking code and ticket number",
    }
    maildir_notes = iter(
        (
            "Swedish Facebook notice",
            "personal mail in Swedish with a door code 1234",
            "book-shop order confirmation with an order number and an amount",
            "Swedish objection code 530917 ('Din verifieringskod'), unread in new/, no decision (pending)",
        )
    )
    for entry in archive_entries:
        src = entry["source"]
        note = notes.get(src) or next(maildir_notes)
        out.append(
            f"| `{src}` | {entry['kind']} | {entry['platform'] or '-'} | {entry['account']} | {note} |"
        )
    out.append("")
    return "\n".join(out).encode()


def json_bytes(value: object) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode()


def build_all() -> tuple[dict[str, bytes], list[tuple[str, bytes, dict]]]:
    """Every file of the corpus, and (label, message bytes, expected) for each message to verify."""
    SAMPLES.clear()
    build_facebook()
    build_instagram()
    build_other_meta()
    build_lookalikes()
    build_ordinary()
    build_broken()
    files: dict[str, bytes] = {}
    checks: list[tuple[str, bytes, dict]] = []
    for s in SAMPLES:
        files[f"{s.path}.eml"] = s.data
        files[f"{s.path}.expected.json"] = json_bytes(s.expected)
        checks.append((f"{s.path}.eml", s.data, s.expected))
    archive_files, entries = build_archives()
    files.update(archive_files)
    files["archives/expected.json"] = json_bytes(entries)
    files["README.md"] = readme(entries)
    for entry in entries:
        src = entry["source"]
        if src.startswith("Maildir/"):
            data = archive_files[f"archives/{src}"]
        else:
            data = split_mboxrd(archive_files["archives/takeout-2024.mbox"])[int(src.split("#")[1])]
        checks.append((f"archives/{src}", data, {k: v for k, v in entry.items() if k != "source"}))
    return files, checks


def split_mboxrd(data: bytes) -> list[bytes]:
    """The messages of an mboxrd file, `>From ` quoting undone (independent of build_archives)."""
    messages: list[list[bytes]] = []
    for line in data.splitlines(keepends=True):
        if line.startswith(b"From "):
            messages.append([])
            continue
        if re.match(rb">+From ", line):
            line = line[1:]
        messages[-1].append(line)
    # each message is followed by one blank separator line that belongs to the mbox
    return [b"".join(lines[:-1]) for lines in messages]


def decoded_text(msg) -> str:
    parts = []
    for part in msg.walk():
        if (
            part.get_content_maintype() == "multipart"
            or part.get_content_type() == "message/rfc822"
        ):
            continue
        if part.get_content_maintype() != "text":
            continue
        try:
            parts.append(part.get_content())
        except LookupError:
            parts.append(part.get_payload(decode=True).decode("utf-8", "replace"))
    return "\n".join(parts)


def top_level_text(msg) -> str:
    """Text of the message itself, not of attached messages."""
    parts = []

    def walk(part):
        if part.get_content_type() == "message/rfc822":
            return
        if part.is_multipart():
            for sub in part.get_payload():
                walk(sub)
        elif part.get_content_maintype() == "text":
            try:
                parts.append(part.get_content())
            except LookupError:
                parts.append(part.get_payload(decode=True).decode("utf-8", "replace"))

    walk(msg)
    return "\n".join(parts)


def is_trusted(msg) -> bool:
    domain = parseaddr(str(msg["From"]))[1].rsplit("@", 1)[-1].lower()
    meta = any(domain == d or domain.endswith("." + d) for d in META_DOMAINS)
    results = msg.get_all("Authentication-Results") or []
    top = str(results[0]).lower() if results else ""
    return meta and "dkim=fail" not in top and "dmarc=fail" not in top


def verify(label: str, data: bytes, exp: dict) -> list[str]:
    errors: list[str] = []

    def err(text: str) -> None:
        errors.append(f"{label}: {text}")

    keys = list(exp)
    if keys[: len(FIELDS)] != list(FIELDS) or not set(keys[len(FIELDS) :]) <= {"error"}:
        err(f"unexpected keys {keys}")
    if b"\r\n" in data and data.count(b"\n") != data.count(b"\r\n"):
        err("mixed line endings")
    for raw_line in data.replace(b"\r\n", b"\n").split(b"\n"):
        if len(raw_line) > 998:
            err("line longer than 998 octets")
    msg = message_from_bytes(data, policy=default_policy)
    for part in msg.walk():
        cte = str(part.get("Content-Transfer-Encoding", "")).lower()
        if cte in ("quoted-printable", "base64") and not part.is_multipart():
            for line in str(part.get_payload()).splitlines():
                if len(line) > 76:
                    err(f"{cte} line longer than 76: {line[:30]}...")
                    break
    if exp["sent_at"] is None or msg["Date"] is None:  # no Date: the parser's fallback decides
        pass
    else:
        dt = msg["Date"].datetime
        if dt.tzinfo is None or dt.astimezone(UTC).isoformat() != exp["sent_at"]:
            err(f"Date {msg['Date']} is not {exp['sent_at']}")
    account = msg["To"].addresses[0].addr_spec.lower()
    if account != exp["account"]:
        err(f"To {account} != {exp['account']}")
    if str(msg["Message-ID"]).strip().strip("<>") != exp["message_id"]:
        err("Message-ID differs")
    trusted = is_trusted(msg)
    if trusted != exp["trusted"]:
        err(f"trusted should be {trusted}")
    from_domain = parseaddr(str(msg["From"]))[1].rsplit("@", 1)[-1].lower()
    meta_sender = any(from_domain == d or from_domain.endswith("." + d) for d in META_DOMAINS)
    if not meta_sender and (exp["kind"] != "other" or exp["platform"] is not None):
        err("non-Meta mail must be kind other with platform null")
    if meta_sender and exp["platform"] is None:
        err("Meta mail needs a platform")
    if not exp["trusted"] and (exp["code"] or exp["code_purpose"] or exp["code_valid_minutes"]):
        err("untrusted mail must not carry a code")
    if exp["code"] is None:
        if exp["code_purpose"] is not None or exp["code_valid_minutes"] is not None:
            err("purpose/validity without a code")
    else:
        if exp["kind"] != "code" or exp["code_purpose"] not in ("objection", "login"):
            err("a code needs kind code and a purpose")
        if not exp["code"].isdigit():
            err("code must be digits only")
        text = top_level_text(msg)
        shape = r"(?<!\d)(?:FB-)?" + r"[ \u00a0]?".join(exp["code"]) + r"(?!\d)"
        if not re.search(shape, text):
            err(f"code {exp['code']} not found in the decoded text")
    if exp["code_valid_minutes"] is not None:
        text = top_level_text(msg)
        n = exp["code_valid_minutes"]
        spoken = [str(n)] + (
            ["1 hour", "1 heure", "1 hora", "1 timme", "1 Stunde"] if n == 60 else []
        )
        if not any(s in text for s in spoken):
            err(f"validity {n} not stated in the text")
    return errors


def main(argv: list[str]) -> int:
    files, checks = build_all()
    if "--check" not in argv:
        for rel, data in files.items():
            path = ROOT / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    problems: list[str] = []
    for rel, data in files.items():
        path = ROOT / rel
        if not path.exists() or path.read_bytes() != data:
            problems.append(f"{rel}: differs from what generate.py produces")
    known = set(files) | {"generate.py"}
    for path in ROOT.rglob("*"):
        rel = path.relative_to(ROOT).as_posix()
        # languages/ is built by tools/make_language_samples.py from its own data.
        if rel.startswith("languages/"):
            continue
        if path.is_file() and rel not in known and "__pycache__" not in rel:
            problems.append(f"{rel}: not produced by generate.py")
    ids: dict[str, str] = {}
    for label, data, exp in checks:
        problems += verify(label, data, exp)
        if exp["message_id"] in ids:
            problems.append(f"{label}: Message-ID also used by {ids[exp['message_id']]}")
        ids[exp["message_id"]] = label
    for problem in problems:
        print(problem, file=sys.stderr)
    emls = sum(1 for rel in files if rel.endswith(".eml"))
    print(f"{emls} .eml files, {len(checks)} messages checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
