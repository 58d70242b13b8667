"""Step 1: the append-only, hash-chained audit log."""

STATEMENTS = (
    """
    CREATE TABLE audit_log (
        seq        INTEGER PRIMARY KEY,
        at         TEXT NOT NULL,
        event      TEXT NOT NULL,
        entity     TEXT,
        entity_id  TEXT,
        detail     TEXT NOT NULL DEFAULT '{}',
        prev_hash  TEXT NOT NULL,
        row_hash   TEXT NOT NULL
    )
    """,
    """
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END
    """,
    """
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END
    """,
    "CREATE INDEX audit_log_entity ON audit_log (entity, entity_id)",
    # The newest row's number and hash, updated with every append, so a deleted tail shows too.
    """
    CREATE TABLE audit_head (
        id    INTEGER PRIMARY KEY CHECK (id = 1),
        seq   INTEGER NOT NULL,
        hash  TEXT NOT NULL
    )
    """,
    "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, lower(hex(zeroblob(32))))",
)
