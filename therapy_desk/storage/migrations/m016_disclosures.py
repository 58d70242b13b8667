"""Step 16: the disclosures log (45 CFR 164.528).

`disclosures` keeps one row per time some of a client's record left the practice: to whom, on what basis
and for what purpose, what went, and the release of information it relied on. A row is never edited; a
disclosure logged in error stays, as the law's accounting expects, and a correction is a new row.
"""

from __future__ import annotations

_BASES = (
    "('client', 'authorization', 'treatment_payment', 'court', 'law', 'health_oversight', 'public_health', "
    "'abuse_report', 'serious_threat', 'other')"
)

STATEMENTS: tuple[str, ...] = (
    f"""
    CREATE TABLE disclosures (
        id                   INTEGER PRIMARY KEY,
        client_id            INTEGER NOT NULL REFERENCES clients (id),
        disclosed_on         TEXT NOT NULL,
        recipient            TEXT NOT NULL CHECK (recipient <> '' AND length(recipient) <= 200),
        basis                TEXT NOT NULL CHECK (basis IN {_BASES}),
        purpose              TEXT NOT NULL CHECK (purpose <> '' AND length(purpose) <= 500),
        what                 TEXT NOT NULL CHECK (what <> '' AND length(what) <= 500),
        release_id           INTEGER REFERENCES releases (id),
        psychotherapy_notes  INTEGER NOT NULL DEFAULT 0 CHECK (psychotherapy_notes IN (0, 1)),
        recorded_at          TEXT NOT NULL
    )
    """,
    "CREATE INDEX disclosures_by_client ON disclosures (client_id, disclosed_on)",
    """
    CREATE TRIGGER disclosures_fixed BEFORE UPDATE ON disclosures
    BEGIN
        SELECT RAISE(ABORT, 'a logged disclosure is never edited; log a correction');
    END
    """,
    """
    CREATE TRIGGER disclosures_kept BEFORE DELETE ON disclosures
    BEGIN
        SELECT RAISE(ABORT, 'a logged disclosure is never deleted');
    END
    """,
)
