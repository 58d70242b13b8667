"""Step 7: PHQ-9, GAD-7 and PCL-5 results.

A recorded result is part of the chart: its answers and scores never change. The one later change
is recording who followed up an item-9 flag and when, once.
"""

STATEMENTS: tuple[str, ...] = (
    """
    CREATE TABLE measure_results (
        id               INTEGER PRIMARY KEY,
        client_id        INTEGER NOT NULL REFERENCES clients (id),
        instrument       TEXT NOT NULL CHECK (instrument IN ('PHQ-9', 'GAD-7', 'PCL-5')),
        administered_on  TEXT NOT NULL,
        answers          TEXT NOT NULL,
        total            INTEGER NOT NULL CHECK (total >= 0),
        band             TEXT NOT NULL,
        flags            TEXT NOT NULL DEFAULT '[]',
        item9_flag       INTEGER NOT NULL DEFAULT 0 CHECK (item9_flag IN (0, 1)),
        note_id          INTEGER,
        recorded_at      TEXT NOT NULL,
        followed_up_at   TEXT,
        followed_up_by   TEXT,
        CHECK (followed_up_at IS NULL OR item9_flag = 1),
        CHECK ((followed_up_at IS NULL) = (followed_up_by IS NULL))
    )
    """,
    "CREATE INDEX measure_results_by_client ON measure_results (client_id, instrument, administered_on)",
    "CREATE INDEX measure_results_by_note ON measure_results (note_id) WHERE note_id IS NOT NULL",
    # The Today view: item-9 flags nobody has followed up yet.
    """
    CREATE INDEX measure_results_open_flags ON measure_results (administered_on, client_id)
    WHERE item9_flag = 1 AND followed_up_at IS NULL
    """,
    """
    CREATE TRIGGER measure_results_locked_update BEFORE UPDATE ON measure_results
    WHEN NOT (
        NEW.id IS OLD.id AND NEW.client_id IS OLD.client_id AND NEW.instrument IS OLD.instrument
        AND NEW.administered_on IS OLD.administered_on AND NEW.answers IS OLD.answers AND NEW.total IS OLD.total
        AND NEW.band IS OLD.band AND NEW.flags IS OLD.flags AND NEW.item9_flag IS OLD.item9_flag
        AND NEW.note_id IS OLD.note_id AND NEW.recorded_at IS OLD.recorded_at
        AND OLD.followed_up_at IS NULL
    )
    BEGIN SELECT RAISE(ABORT, 'a recorded measure result cannot be changed'); END
    """,
    """
    CREATE TRIGGER measure_results_locked_delete BEFORE DELETE ON measure_results
    BEGIN SELECT RAISE(ABORT, 'a recorded measure result cannot be deleted'); END
    """,
)
