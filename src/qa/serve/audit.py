"""The audit log: one JSON line per key, upload, delete and rebuild on the `qa.audit` logger; never a key."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

audit_log = logging.getLogger("qa.audit")


def audit(event: str, who: str, what: str, outcome: str, **detail: object) -> None:
    """Who did what, when, and how it ended. `who` is a key's name, never the key; `detail` holds counts and
    reasons, never a request body or header."""
    line = {"ts": datetime.now(UTC).isoformat(timespec="milliseconds"), "event": event, "who": who,
            "what": what, "outcome": outcome, **detail}
    audit_log.info(json.dumps(line, ensure_ascii=False, default=str))
