"""What an API token may do: each scope by name, with the words the token page shows
for it. A token answers only the endpoints whose scope it holds."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

PROGRESS_READ = "progress:read"
LEDGER_READ = "ledger:read"
ROSTER_WRITE = "roster:write"
VERIFY_BATCH = "verify:batch"

#: Every scope, in the order the token page lists them.
SCOPES = {
    PROGRESS_READ: _l("Read staff progress on assigned modules"),
    LEDGER_READ: _l("Read the hours ledger"),
    ROSTER_WRITE: _l("Import staff rosters"),
    VERIFY_BATCH: _l("Verify credentials in bulk"),
}

#: How long a new token may live, in days (None: until revoked).
LIFETIMES: dict[str, int | None] = {"30": 30, "90": 90, "365": 365, "never": None}
