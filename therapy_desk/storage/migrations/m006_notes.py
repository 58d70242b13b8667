"""Step 6: clinical notes, addenda, psychotherapy notes and full-text search.

Signed notes and addenda are immutable in SQL too: triggers abort any UPDATE or DELETE of a
signed note and of any addendum, so raw SQL cannot change the record either.

`search_index` is one FTS5 table over client names and note text, kept in sync by triggers on
`clients`, `notes` and `note_addenda` (so other stores need no search code). Its rowid is the
note id for notes and CLIENT_ROWID_BASE + the client id for clients. Psychotherapy notes have no trigger and
are never indexed.
"""

# Client rows sit above every note id, so a newest-first walk of the index meets names first.
CLIENT_ROWID_BASE = 1 << 60

_SIGNED = "'This note is signed; add an addendum instead.'"

# The searchable text of a note: its sections' text, in order (sections are [name, text] pairs).
_NOTE_BODY = "(SELECT coalesce(group_concat(value ->> 1, char(10) ORDER BY key), '') FROM json_each(NEW.sections))"
_CLIENT_NAME = (
    "concat_ws(' ', nullif(NEW.legal_first, ''), nullif(NEW.legal_middle, ''), nullif(NEW.legal_last, ''), "
    "nullif(NEW.preferred_name, ''))"
)
# Letters the tokenizer's diacritic folding leaves alone (they are letters of their own, not a
# base letter plus a mark), spelled the way people type them on an English keyboard.
_LETTERS = (
    ("ø", "o"), ("Ø", "O"), ("æ", "ae"), ("Æ", "AE"), ("œ", "oe"), ("Œ", "OE"), ("ß", "ss"), ("ł", "l"),
    ("Ł", "L"), ("đ", "d"), ("Đ", "D"), ("ð", "d"), ("Ð", "D"), ("þ", "th"), ("Þ", "TH"), ("ı", "i"),
)  # fmt: skip


def _folded(expression: str) -> str:
    for letter, plain in _LETTERS:
        expression = f"replace({expression}, '{letter}', '{plain}')"
    return expression


# A second spelling of the name ("Soren" for "Søren"), or '' when there is none.
_CLIENT_ALIAS = f"CASE WHEN {_folded(_CLIENT_NAME)} = {_CLIENT_NAME} THEN '' ELSE {_folded(_CLIENT_NAME)} END"
_SEARCH_COLUMNS = "rowid, name, alias, body, client_key, client_id, date_of_service"

# For bulk imports (storage/search.py `bulk_note_index`): the trigger that indexes one new note, and
# the same index rows for every note from id ? on, written in one statement.
NOTE_ADDED_TRIGGER = "search_note_added"
INDEX_NOTES_FROM = (
    f"INSERT INTO search_index ({_SEARCH_COLUMNS}) "  # noqa: S608 - fixed SQL built from this module's constants
    f"SELECT n.id, '', '', {_NOTE_BODY.replace('NEW.', 'n.')}, 'c' || n.client_id, n.client_id, n.date_of_service "
    "FROM notes AS n WHERE n.id >= ? ORDER BY n.id"
)


STATEMENTS: tuple[str, ...] = (
    """
    CREATE TABLE notes (
        id               INTEGER PRIMARY KEY,
        client_id        INTEGER NOT NULL REFERENCES clients (id),
        unit_id          INTEGER REFERENCES units (id),
        appointment_id   INTEGER REFERENCES appointments (id),
        kind             TEXT NOT NULL CHECK (kind IN ('intake assessment', 'progress', 'plan review',
                                                       'discharge summary', 'collateral contact',
                                                       'cancellation/no-show')),
        format           TEXT NOT NULL CHECK (format IN ('SOAP', 'DAP', 'BIRP', 'GIRP', 'narrative')),
        status           TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'signed')),
        date_of_service  TEXT,
        start_time       TEXT,
        end_time         TEXT,
        sections         TEXT NOT NULL CHECK (json_valid(sections)),
        mental_status    TEXT CHECK (mental_status IS NULL OR json_valid(mental_status)),
        risk             TEXT CHECK (risk IS NULL OR json_valid(risk)),
        goal_ids         TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(goal_ids)),
        interventions    TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(interventions)),
        participants     TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(participants)),
        signed_by        TEXT,
        signed_at        TEXT,
        content_hash     TEXT,
        created_at       TEXT NOT NULL,
        updated_at       TEXT NOT NULL,
        CHECK (start_time IS NULL OR end_time IS NULL OR end_time > start_time),
        CHECK (status = 'draft' OR (signed_by IS NOT NULL AND signed_at IS NOT NULL
                                    AND content_hash IS NOT NULL AND date_of_service IS NOT NULL))
    )
    """,
    # A client's notes newest first (chart, last sessions, caseload "last note").
    "CREATE INDEX notes_by_client ON notes (client_id, date_of_service DESC, id DESC)",
    # Drafts by age for the Today view, and unsigned counts per client for the caseload.
    "CREATE INDEX notes_unsigned ON notes (coalesce(date_of_service, substr(created_at, 1, 10)), id) "
    "WHERE status = 'draft'",
    "CREATE INDEX notes_unsigned_by_client ON notes (client_id) WHERE status = 'draft'",
    "CREATE INDEX notes_by_appointment ON notes (appointment_id) WHERE appointment_id IS NOT NULL",
    "CREATE INDEX notes_by_unit ON notes (unit_id, date_of_service) WHERE unit_id IS NOT NULL",
    f"""
    CREATE TRIGGER notes_signed_no_update BEFORE UPDATE ON notes WHEN OLD.status = 'signed'
    BEGIN SELECT RAISE(ABORT, {_SIGNED}); END
    """,
    f"""
    CREATE TRIGGER notes_signed_no_delete BEFORE DELETE ON notes WHEN OLD.status = 'signed'
    BEGIN SELECT RAISE(ABORT, {_SIGNED}); END
    """,
    """
    CREATE TABLE note_addenda (
        id            INTEGER PRIMARY KEY,
        note_id       INTEGER NOT NULL REFERENCES notes (id),
        text          TEXT NOT NULL CHECK (length(text) > 0),
        signed_by     TEXT NOT NULL,
        signed_at     TEXT NOT NULL,
        content_hash  TEXT NOT NULL
    )
    """,
    "CREATE INDEX note_addenda_by_note ON note_addenda (note_id, id)",
    """
    CREATE TRIGGER note_addenda_signed_notes_only BEFORE INSERT ON note_addenda
    WHEN (SELECT status FROM notes WHERE id = NEW.note_id) IS NOT 'signed'
    BEGIN SELECT RAISE(ABORT, 'Only a signed note takes addenda; edit the draft instead.'); END
    """,
    """
    CREATE TRIGGER note_addenda_no_update BEFORE UPDATE ON note_addenda
    BEGIN SELECT RAISE(ABORT, 'An addendum is signed and cannot be changed; add another addendum.'); END
    """,
    """
    CREATE TRIGGER note_addenda_no_delete BEFORE DELETE ON note_addenda
    BEGIN SELECT RAISE(ABORT, 'An addendum is signed and cannot be changed; add another addendum.'); END
    """,
    # Process notes: their own table, no search trigger, never joined into the clinical record.
    """
    CREATE TABLE psychotherapy_notes (
        id               INTEGER PRIMARY KEY,
        client_id        INTEGER NOT NULL REFERENCES clients (id),
        date_of_service  TEXT,
        text             TEXT NOT NULL,
        created_at       TEXT NOT NULL,
        updated_at       TEXT NOT NULL
    )
    """,
    "CREATE INDEX psychotherapy_notes_by_client ON psychotherapy_notes (client_id, date_of_service DESC, id DESC)",
    # -- search --------------------------------------------------------------------------------
    # alias: the name folded to keyboard letters; client_key: one token, "c<client id>", so a
    # search can be narrowed to one chart cheaply.
    """
    CREATE VIRTUAL TABLE search_index USING fts5 (
        name, alias, body, client_key, client_id UNINDEXED, date_of_service UNINDEXED,
        tokenize = 'unicode61 remove_diacritics 2'
    )
    """,
    # A name match outweighs the same word somewhere in a long note; client_key never counts.
    "INSERT INTO search_index (search_index, rank) VALUES ('rank', 'bm25(5.0, 5.0, 1.0, 0.0, 0.0, 0.0)')",
    f"""
    CREATE TRIGGER search_client_added AFTER INSERT ON clients BEGIN
        INSERT INTO search_index ({_SEARCH_COLUMNS})
        VALUES ({CLIENT_ROWID_BASE} + NEW.id, {_CLIENT_NAME}, {_CLIENT_ALIAS}, '', 'c' || NEW.id, NEW.id, NULL);
    END
    """,  # noqa: S608 - fixed SQL built from this module's constants
    f"""
    CREATE TRIGGER search_client_renamed AFTER UPDATE OF legal_first, legal_middle, legal_last, preferred_name
    ON clients BEGIN
        UPDATE search_index SET name = {_CLIENT_NAME}, alias = {_CLIENT_ALIAS}
        WHERE rowid = {CLIENT_ROWID_BASE} + NEW.id;
    END
    """,  # noqa: S608 - fixed SQL built from this module's constants
    f"""
    CREATE TRIGGER search_client_removed AFTER DELETE ON clients BEGIN
        DELETE FROM search_index WHERE rowid = {CLIENT_ROWID_BASE} + OLD.id;
    END
    """,  # noqa: S608 - fixed SQL built from this module's constants
    f"""
    CREATE TRIGGER search_note_added AFTER INSERT ON notes BEGIN
        INSERT INTO search_index ({_SEARCH_COLUMNS})
        VALUES (NEW.id, '', '', {_NOTE_BODY}, 'c' || NEW.client_id, NEW.client_id, NEW.date_of_service);
    END
    """,  # noqa: S608 - fixed SQL built from this module's constants
    f"""
    CREATE TRIGGER search_note_changed AFTER UPDATE OF sections, client_id, date_of_service ON notes
    WHEN OLD.sections IS NOT NEW.sections OR OLD.client_id IS NOT NEW.client_id
         OR OLD.date_of_service IS NOT NEW.date_of_service
    BEGIN
        DELETE FROM search_index WHERE rowid = OLD.id;
        INSERT INTO search_index ({_SEARCH_COLUMNS})
        VALUES (NEW.id, '', '', {_NOTE_BODY}, 'c' || NEW.client_id, NEW.client_id, NEW.date_of_service);
    END
    """,  # noqa: S608 - fixed SQL built from this module's constants
    """
    CREATE TRIGGER search_note_removed AFTER DELETE ON notes BEGIN
        DELETE FROM search_index WHERE rowid = OLD.id;
    END
    """,
    """
    CREATE TRIGGER search_addendum_added AFTER INSERT ON note_addenda BEGIN
        UPDATE search_index SET body = body || char(10) || NEW.text WHERE rowid = NEW.note_id;
    END
    """,
    # Clients saved before this step.
    f"""
    INSERT INTO search_index ({_SEARCH_COLUMNS})
    SELECT {CLIENT_ROWID_BASE} + id, {_CLIENT_NAME.replace("NEW.", "")}, {_CLIENT_ALIAS.replace("NEW.", "")}, '',
           'c' || id, id, NULL
    FROM clients
    """,  # noqa: S608 - fixed SQL built from this module's constants
)
