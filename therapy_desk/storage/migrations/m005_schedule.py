"""Step 5: appointments, recurring series and their exceptions.

Times are local wall-clock text 'YYYY-MM-DDTHH:MM' (so they sort and compare as text); `date_of_service`
is the local date. Series occurrences are real rows (series_id + occurrence_date) so the caseload's
"next appointment" and "last attended" come straight from an index. An occurrence edited on its own is
flagged `is_exception`; extending a series only ever inserts dates that have no row yet.
The service code is not a foreign key: the billing catalogue is editable and may drop a code later.
"""

STATEMENTS = (
    """
    CREATE TABLE appointment_series (
        id                 INTEGER PRIMARY KEY,
        client_id          INTEGER REFERENCES clients (id),
        unit_id            INTEGER REFERENCES units (id),
        recurrence         TEXT NOT NULL CHECK (recurrence IN ('weekly', 'every 2 weeks', 'monthly')),
        first_start        TEXT NOT NULL,
        duration_minutes   INTEGER NOT NULL CHECK (duration_minutes BETWEEN 1 AND 480),
        service_code       TEXT NOT NULL CHECK (length(service_code) = 5),
        modifiers          TEXT NOT NULL DEFAULT '',
        place_of_service   TEXT NOT NULL CHECK (place_of_service GLOB '[0-9][0-9]'),
        telehealth         INTEGER NOT NULL DEFAULT 0 CHECK (telehealth IN (0, 1)),
        until              TEXT,
        generated_through  TEXT NOT NULL,
        cancelled_from     TEXT,
        created_at         TEXT NOT NULL,
        updated_at         TEXT NOT NULL,
        CHECK ((client_id IS NULL) <> (unit_id IS NULL)),
        CHECK (until IS NULL OR until > substr(first_start, 1, 10))
    )
    """,
    "CREATE INDEX appointment_series_by_client ON appointment_series (client_id) WHERE client_id IS NOT NULL",
    "CREATE INDEX appointment_series_by_unit ON appointment_series (unit_id) WHERE unit_id IS NOT NULL",
    "CREATE INDEX appointment_series_to_extend ON appointment_series (generated_through) WHERE cancelled_from IS NULL",
    """
    CREATE TABLE appointments (
        id                 INTEGER PRIMARY KEY,
        client_id          INTEGER REFERENCES clients (id),
        unit_id            INTEGER REFERENCES units (id),
        start              TEXT NOT NULL CHECK (length(start) = 16),
        end_at             TEXT NOT NULL CHECK (end_at > start),
        date_of_service    TEXT NOT NULL CHECK (date_of_service = substr(start, 1, 10)),
        duration_minutes   INTEGER NOT NULL CHECK (duration_minutes BETWEEN 1 AND 480),
        service_code       TEXT NOT NULL CHECK (length(service_code) = 5),
        modifiers          TEXT NOT NULL DEFAULT '',
        place_of_service   TEXT NOT NULL CHECK (place_of_service GLOB '[0-9][0-9]'),
        telehealth         INTEGER NOT NULL DEFAULT 0 CHECK (telehealth IN (0, 1)),
        status             TEXT NOT NULL DEFAULT 'scheduled'
            CHECK (status IN ('scheduled', 'attended', 'no-show', 'late-cancel', 'cancelled')),
        series_id          INTEGER REFERENCES appointment_series (id),
        occurrence_date    TEXT,
        is_exception       INTEGER NOT NULL DEFAULT 0 CHECK (is_exception IN (0, 1)),
        status_changed_at  TEXT,
        created_at         TEXT NOT NULL,
        updated_at         TEXT NOT NULL,
        CHECK ((client_id IS NULL) <> (unit_id IS NULL)),
        CHECK (occurrence_date IS NULL OR series_id IS NOT NULL)
    )
    """,
    # Diary views (day, range) and conflict checks scan a short stretch of start times.
    "CREATE INDEX appointments_by_start ON appointments (start)",
    # One client's or unit's history, in time order (chart, for_client).
    "CREATE INDEX appointments_by_client ON appointments (client_id, start) WHERE client_id IS NOT NULL",
    "CREATE INDEX appointments_by_unit ON appointments (unit_id, start) WHERE unit_id IS NOT NULL",
    # Caseload: next scheduled / last attended per client is one index seek each.
    "CREATE INDEX appointments_by_client_status ON appointments (client_id, status, start) WHERE client_id IS NOT NULL",
    "CREATE INDEX appointments_by_unit_status ON appointments (unit_id, status, start) WHERE unit_id IS NOT NULL",
    # A series has at most one row per occurrence date; extras added to a series have no occurrence date.
    """
    CREATE UNIQUE INDEX appointments_by_occurrence ON appointments (series_id, occurrence_date)
        WHERE series_id IS NOT NULL
    """,
)
