"""Removal of secrets (partner key, tokens, signs, auth codes) from text and log records."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

_SECRET_NAMES = r"sign|access_token|refresh_token|code|partner_key"
# ``name=value`` in a URL query or a repr, e.g. ``...?sign=ab12&access_token=cd34``.
_QUERY_RE = re.compile(rf"(?i)(?<![\w])({_SECRET_NAMES})=([^&\s'\"]+)")
# ``"name": "value"`` in JSON or a dict repr.
_MAPPING_RE = re.compile(rf"(?i)([\"']({_SECRET_NAMES})[\"']\s*:\s*[\"'])([^\"']*)([\"'])")
MASK = "***"
# Shorter literals are not masked: replacing them would mangle ordinary words (real keys and tokens
# are 32+ characters).
MIN_SECRET_LENGTH = 8

# urllib3 logs every request line, query string included, at DEBUG.
_URLLIB3_LOGGERS = ("urllib3.connectionpool", "urllib3.connection", "urllib3.util.retry")


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Return ``text`` with secret query/JSON values and each literal secret in ``secrets`` (of at least
    ``MIN_SECRET_LENGTH`` characters) masked."""
    text = _QUERY_RE.sub(lambda m: f"{m.group(1)}={MASK}", text)
    text = _MAPPING_RE.sub(lambda m: f"{m.group(1)}{MASK}{m.group(4)}", text)
    for secret in secrets:
        if secret and len(secret) >= MIN_SECRET_LENGTH:
            text = text.replace(secret, MASK)
    return text


class RedactingFilter(logging.Filter):
    """Logging filter that rewrites a record's message with :func:`redact` (it never drops records)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the formatted message in place; always keep the record."""
        record.msg = redact(record.getMessage())
        record.args = ()
        return True


def install_log_redaction() -> None:
    """Attach a :class:`RedactingFilter` once to the urllib3 loggers that print request URLs."""
    for name in _URLLIB3_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
