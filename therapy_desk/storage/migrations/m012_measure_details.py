"""Step 12: partial forms, the PHQ-9 difficulty answer, what a follow-up did, and "entered in error".

A form may be recorded with items left unanswered (`answers` holds null for them; `complete` is 0 and
the total counts the answered items). Rows recorded before this step were complete forms.

A result is still never edited and never deleted. Besides the one follow-up write (now with what was
done, `follow_up_action`), the one other later change is marking it entered in error, once, with a
reason: the row stays, shown struck through, and leaves score history, latest scores and Today's flags.
The update guard of step 7 is replaced to allow exactly those two one-time writes; the open-flags
index now leaves out results entered in error.
"""

_DIFFICULTIES = "'not difficult at all', 'somewhat difficult', 'very difficult', 'extremely difficult'"

STATEMENTS: tuple[str, ...] = (
    "ALTER TABLE measure_results ADD COLUMN complete INTEGER NOT NULL DEFAULT 1 CHECK (complete IN (0, 1))",
    "ALTER TABLE measure_results ADD COLUMN difficulty TEXT "
    f"CHECK (difficulty IS NULL OR difficulty IN ({_DIFFICULTIES}))",
    "ALTER TABLE measure_results ADD COLUMN follow_up_action TEXT",
    "ALTER TABLE measure_results ADD COLUMN entered_in_error_at TEXT",
    "ALTER TABLE measure_results ADD COLUMN entered_in_error_reason TEXT",
    "DROP TRIGGER measure_results_locked_update",
    # Everything recorded stays as it was; the follow-up columns may be written while no follow-up is
    # recorded, the entered-in-error columns while the result is not marked; then each is fixed.
    """
    CREATE TRIGGER measure_results_locked_update BEFORE UPDATE ON measure_results
    WHEN NOT (
        NEW.id IS OLD.id AND NEW.client_id IS OLD.client_id AND NEW.instrument IS OLD.instrument
        AND NEW.administered_on IS OLD.administered_on AND NEW.answers IS OLD.answers AND NEW.total IS OLD.total
        AND NEW.band IS OLD.band AND NEW.flags IS OLD.flags AND NEW.item9_flag IS OLD.item9_flag
        AND NEW.note_id IS OLD.note_id AND NEW.recorded_at IS OLD.recorded_at
        AND NEW.complete IS OLD.complete AND NEW.difficulty IS OLD.difficulty
        AND (OLD.followed_up_at IS NULL OR (
            NEW.followed_up_at IS OLD.followed_up_at AND NEW.followed_up_by IS OLD.followed_up_by
            AND NEW.follow_up_action IS OLD.follow_up_action))
        AND (OLD.entered_in_error_at IS NULL OR (
            NEW.entered_in_error_at IS OLD.entered_in_error_at
            AND NEW.entered_in_error_reason IS OLD.entered_in_error_reason))
    )
    BEGIN SELECT RAISE(ABORT, 'a recorded measure result cannot be changed'); END
    """,
    # A follow-up says what was done; entered in error says why.
    """
    CREATE TRIGGER measure_results_one_time_writes BEFORE UPDATE ON measure_results
    WHEN (NEW.followed_up_at IS NOT NULL AND OLD.followed_up_at IS NULL
          AND trim(coalesce(NEW.follow_up_action, '')) = '')
      OR ((NEW.entered_in_error_at IS NULL) IS NOT (trim(coalesce(NEW.entered_in_error_reason, '')) = ''))
    BEGIN SELECT RAISE(ABORT, 'a follow-up needs what was done, and entered in error needs a reason'); END
    """,
    "DROP INDEX measure_results_open_flags",
    """
    CREATE INDEX measure_results_open_flags ON measure_results (administered_on, client_id)
    WHERE item9_flag = 1 AND followed_up_at IS NULL AND entered_in_error_at IS NULL
    """,
)
