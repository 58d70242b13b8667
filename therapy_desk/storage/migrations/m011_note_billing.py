"""Step 11: what a note bills and when it was written, and the clinician's text snippets.

A note may carry the service code it bills when that is not its appointment's (`service_code`), the
reason that code differs from the one the minutes suggest (`code_reason`), and the reason a note signed
more than 72 hours after the session was written late (`late_entry_reason`). All three are part of the
signed content: the trigger of step 6 already refuses any change to a signed row, and the seal covers
them whenever they are set. Existing notes get none, so their seals are unchanged.

Snippets are the clinician's own reusable text, inserted in a note's section by typing a short
trigger; `section` is '' for a snippet offered in every section.
"""

STATEMENTS: tuple[str, ...] = (
    "ALTER TABLE notes ADD COLUMN service_code TEXT",
    "ALTER TABLE notes ADD COLUMN code_reason TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE notes ADD COLUMN late_entry_reason TEXT NOT NULL DEFAULT ''",
    """
    CREATE TABLE snippets (
        id          INTEGER PRIMARY KEY,
        trigger     TEXT NOT NULL,
        section     TEXT NOT NULL DEFAULT '',
        text        TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL,
        UNIQUE (trigger, section)
    )
    """,
)
