#!/usr/bin/env python3
"""Build sample_emails/languages/ from the wording in tools/language_samples/<lang>.toml.

Each [[mail]] table is one of Meta's mails in that language (kind, regional variant, subject,
body; a code, a case number or a validity where the mail has one). This script only wraps
the text in the headers a trusted Meta mail carries and writes the expected result beside it:

    python tools/make_language_samples.py          # rewrite the samples
    python tools/make_language_samples.py --check  # exit 1 if a file differs from its data
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import tomllib
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tools" / "language_samples"
OUT = ROOT / "sample_emails" / "languages"
SENDERS = {
    "facebook": ("Facebook", "notification@facebookmail.com", "facebookmail.com"),
    "instagram": ("Instagram", "no-reply@mail.instagram.com", "mail.instagram.com"),
}
# The flow's order, so each language's samples read as one account's story.
HOURS = {"notice": 0, "code": 24, "received": 25, "info_requested": 26, "approved": 30}
HOURS["rejected"] = 54
FORM = re.compile(r"https://\S+/contact/\d+")


def build() -> dict[Path, bytes]:
    """Return every sample file (.eml and .expected.json) by path."""
    files: dict[Path, bytes] = {}
    for data_file in sorted(DATA.glob("*.toml")):
        lang = data_file.stem
        for mail in tomllib.loads(data_file.read_text(encoding="utf-8"))["mail"]:
            name = f"{mail['kind'].replace('_', '-')}-{mail['variant']}"
            path = OUT / lang / name
            raw, expected = _sample(lang, name, mail)
            if path.with_suffix(".eml") in files:
                raise SystemExit(f"{data_file.name}: two samples named {name}")
            files[path.with_suffix(".eml")] = raw
            files[path.with_suffix(".expected.json")] = (
                json.dumps(expected, indent=2, ensure_ascii=False) + "\n"
            ).encode()
    return files


def _sample(lang: str, name: str, mail: dict) -> tuple[bytes, dict]:
    platform = mail.get("platform", "facebook")
    display, address, domain = SENDERS[platform]
    account = f"{mail['variant'].lower()}@example.org"
    sent_at = datetime(2025, 5, 12, 8, tzinfo=UTC) + timedelta(hours=HOURS[mail["kind"]])
    message_id = f"{hashlib.sha256(f'{lang}/{name}'.encode()).hexdigest()[:32]}@{domain}"
    msg = EmailMessage(policy=default.clone(linesep="\n"))
    msg["Authentication-Results"] = (
        f"mx.example.org; dkim=pass header.d={domain} header.s=s1024; "
        f"spf=pass smtp.mailfrom={address}; dmarc=pass (p=REJECT) header.from={domain}"
    )
    msg["From"] = f"{display} <{address}>"
    msg["To"] = account
    msg["Subject"] = mail["subject"]
    msg["Date"] = format_datetime(sent_at)
    msg["Message-ID"] = f"<{message_id}>"
    msg["Content-Language"] = mail["variant"]
    body = mail["body"].strip() + "\n\n--\nMeta Platforms Ireland Ltd., Merrion Road, Dublin 4\n"
    msg.set_content(body, charset="utf-8")
    code = mail.get("digits", mail.get("code"))
    expected = {
        "kind": mail["kind"],
        "platform": platform,
        "account": account,
        "code": code,
        "sent_at": sent_at.isoformat(),
        "message_id": message_id,
        "trusted": True,
        "code_purpose": mail.get("purpose", "objection") if code else None,
        "code_valid_minutes": mail.get("valid_minutes"),
        "form_link": _form_link(body) if mail["kind"] == "notice" else None,
        "reference": mail.get("reference"),
        "language": lang,
        "variant": mail["variant"],
    }
    return msg.as_bytes(), expected


def _form_link(body: str) -> str | None:
    found = FORM.search(body)
    return found.group(0) if found else None


def main(argv: list[str]) -> int:
    files = build()
    problems = []
    if "--check" in argv:
        for path, data in files.items():
            if not path.exists() or path.read_bytes() != data:
                problems.append(f"{path.relative_to(ROOT)}: differs from its data")
        for path in OUT.rglob("*"):
            if path.is_file() and path not in files:
                problems.append(
                    f"{path.relative_to(ROOT)}: not produced from tools/language_samples"
                )
    else:
        for path in OUT.rglob("*"):
            if path.is_file() and path not in files:
                path.unlink()
        for path, data in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    for problem in problems:
        print(problem, file=sys.stderr)
    mails = sum(1 for p in files if p.suffix == ".eml")
    print(f"{mails} language samples, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
