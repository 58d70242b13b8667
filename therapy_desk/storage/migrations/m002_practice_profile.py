"""Step 2: the clinician's practice profile (one row) and vault-wide settings."""

STATEMENTS = (
    """
    CREATE TABLE practice_profile (
        id              INTEGER PRIMARY KEY CHECK (id = 1),
        name            TEXT NOT NULL DEFAULT '',
        credentials     TEXT NOT NULL DEFAULT '',
        license_number  TEXT NOT NULL DEFAULT '',
        license_state   TEXT NOT NULL DEFAULT '',
        npi             TEXT NOT NULL DEFAULT '',
        taxonomy        TEXT NOT NULL DEFAULT '',
        tax_id          TEXT NOT NULL DEFAULT '',
        tax_id_kind     TEXT NOT NULL DEFAULT 'EIN' CHECK (tax_id_kind IN ('EIN', 'SSN')),
        street          TEXT NOT NULL DEFAULT '',
        city            TEXT NOT NULL DEFAULT '',
        state           TEXT NOT NULL DEFAULT '',
        zip             TEXT NOT NULL DEFAULT '',
        phone           TEXT NOT NULL DEFAULT '',
        email           TEXT NOT NULL DEFAULT '',
        updated_at      TEXT
    )
    """,
    "INSERT INTO practice_profile (id) VALUES (1)",
    """
    CREATE TABLE settings (
        key    TEXT PRIMARY KEY,
        value  TEXT NOT NULL
    )
    """,
)
