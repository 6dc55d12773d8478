"""What the writer of a reply wrote: the plain text part (or the HTML one turned to text),
without the quoted message it answers and without the signature.

- HTML: quotequail finds the quoted block (Gmail's `gmail_quote`, Outlook's
  `divRplyFwdMsg`, `<blockquote>`) and keeps what is above it; inscriptis renders the rest as
  text (scripts and styles dropped).
- Text: the RFC 3676 signature delimiter (a line `-- `) ends the reply; mail-parser-reply
  then cuts the quoted part at its header ("On ... wrote:", "Am ... schrieb", Outlook's
  "From: ... Sent: ..." block, `>` lines). Its own guesses at signatures ("Thanks," or a line
  starting with "-") would cut real text, so only its latest reply is taken.
"""

from email.message import EmailMessage

import quotequail
from inscriptis import get_text
from mailparser_reply import EmailReplyParser

LANGUAGES = ["en", "de", "fr", "es", "it", "nl"]
SIGNATURE_DELIMITERS = {"-- ", "--"}
_parser = EmailReplyParser(languages=LANGUAGES)


def _html_to_text(html: str) -> str:
    unwrapped = quotequail.unwrap_html(html)
    if unwrapped and unwrapped.get("html_top"):
        html = unwrapped["html_top"]
    text: str = get_text(html)
    return text


def _without_signature(text: str) -> str:
    lines = text.replace("\r\n", "\n").split("\n")
    for index, line in enumerate(lines):
        if line in SIGNATURE_DELIMITERS:
            return "\n".join(lines[:index])
    return "\n".join(lines)


def strip_reply(text: str) -> str:
    """The new text of a plain text reply."""
    own = _without_signature(text)
    return (_parser.parse_reply(own) or "").strip()


def _clean_lines(text: str) -> str:
    """Trailing spaces gone, at most one blank line in a row (HTML renders add both)."""
    lines = [line.rstrip() for line in text.strip().split("\n")]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    return "\n".join(kept).strip()


def reply_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    try:
        content = body.get_content()
    except (LookupError, ValueError):  # an unknown charset: read it as Latin-1
        payload = body.get_payload(decode=True)
        content = payload.decode("latin-1") if isinstance(payload, bytes) else ""
    if not isinstance(content, str):
        return ""
    if body.get_content_type() == "text/html":
        content = _html_to_text(content)
    return _clean_lines(strip_reply(content))
