"""Step 3: clients, units (couples, families, groups), care contacts, releases, diagnoses."""

STATEMENTS = (
    """
    CREATE TABLE clients (
        id                      INTEGER PRIMARY KEY,
        account_number          TEXT NOT NULL UNIQUE,
        status                  TEXT NOT NULL
            CHECK (status IN ('inquiry', 'waitlist', 'active', 'inactive', 'discharged')),
        legal_first             TEXT NOT NULL,
        legal_middle            TEXT NOT NULL DEFAULT '',
        legal_last              TEXT NOT NULL,
        preferred_name          TEXT NOT NULL DEFAULT '',
        pronouns                TEXT NOT NULL DEFAULT '',
        dob                     TEXT NOT NULL,
        sex                     TEXT NOT NULL DEFAULT 'U' CHECK (sex IN ('F', 'M', 'U')),
        street                  TEXT NOT NULL DEFAULT '',
        city                    TEXT NOT NULL DEFAULT '',
        state                   TEXT NOT NULL DEFAULT '',
        zip                     TEXT NOT NULL DEFAULT '',
        phone                   TEXT NOT NULL DEFAULT '',
        email                   TEXT NOT NULL DEFAULT '',
        emergency_name          TEXT NOT NULL DEFAULT '',
        emergency_phone         TEXT NOT NULL DEFAULT '',
        emergency_relationship  TEXT NOT NULL DEFAULT '',
        referral_source         TEXT NOT NULL DEFAULT '',
        intake_date             TEXT,
        discharge_date          TEXT,
        sort_name               TEXT NOT NULL,
        created_at              TEXT NOT NULL,
        updated_at              TEXT NOT NULL
    )
    """,
    "CREATE INDEX clients_by_name ON clients (sort_name, id)",
    "CREATE INDEX clients_by_status ON clients (status, sort_name)",
    """
    CREATE TABLE units (
        id          INTEGER PRIMARY KEY,
        kind        TEXT NOT NULL CHECK (kind IN ('couple', 'family', 'group')),
        name        TEXT NOT NULL,
        active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
        created_at  TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE unit_members (
        unit_id     INTEGER NOT NULL REFERENCES units (id),
        client_id   INTEGER NOT NULL REFERENCES clients (id),
        role        TEXT NOT NULL DEFAULT '',
        identified  INTEGER NOT NULL DEFAULT 0 CHECK (identified IN (0, 1)),
        PRIMARY KEY (unit_id, client_id)
    )
    """,
    "CREATE INDEX unit_members_by_client ON unit_members (client_id)",
    """
    CREATE TABLE care_contacts (
        id            INTEGER PRIMARY KEY,
        client_id     INTEGER NOT NULL REFERENCES clients (id),
        role          TEXT NOT NULL,
        name          TEXT NOT NULL,
        organization  TEXT NOT NULL DEFAULT '',
        phone         TEXT NOT NULL DEFAULT '',
        fax           TEXT NOT NULL DEFAULT '',
        email         TEXT NOT NULL DEFAULT '',
        notes         TEXT NOT NULL DEFAULT ''
    )
    """,
    "CREATE INDEX care_contacts_by_client ON care_contacts (client_id)",
    """
    CREATE TABLE releases (
        id                          INTEGER PRIMARY KEY,
        client_id                   INTEGER NOT NULL REFERENCES clients (id),
        contact_id                  INTEGER REFERENCES care_contacts (id),
        recipient                   TEXT NOT NULL,
        scope                       TEXT NOT NULL,
        purpose                     TEXT NOT NULL,
        signed_on                   TEXT NOT NULL,
        expires_on                  TEXT,
        revoked_on                  TEXT,
        covers_psychotherapy_notes  INTEGER NOT NULL DEFAULT 0 CHECK (covers_psychotherapy_notes IN (0, 1))
    )
    """,
    "CREATE INDEX releases_by_client ON releases (client_id)",
    "CREATE INDEX releases_by_expiry ON releases (expires_on) WHERE revoked_on IS NULL",
    """
    CREATE TABLE diagnoses (
        id           INTEGER PRIMARY KEY,
        client_id    INTEGER NOT NULL REFERENCES clients (id),
        code         TEXT NOT NULL,
        description  TEXT NOT NULL,
        rank         INTEGER NOT NULL CHECK (rank >= 1),
        for_claims   INTEGER NOT NULL DEFAULT 1 CHECK (for_claims IN (0, 1)),
        onset        TEXT,
        resolved     TEXT,
        created_at   TEXT NOT NULL
    )
    """,
    "CREATE INDEX diagnoses_by_client ON diagnoses (client_id, resolved, rank)",
)
