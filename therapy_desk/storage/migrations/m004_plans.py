"""Step 4: treatment plans (versioned; problems, goals, objectives, interventions).

A plan row and its child rows are editable only while the plan is a draft. Once signed, triggers
refuse any change except the store's one transition signed -> superseded (which touches only the
status and the superseded_* columns), and refuse deleting the plan or touching its child rows.
"""

_LOCKED = "RAISE(ABORT, 'a signed treatment plan cannot be changed; revise it instead')"

# Every column of `plans` that must not change once signed (all but status and superseded_*).
_FROZEN = (
    "id",
    "client_id",
    "version",
    "effective_date",
    "review_due",
    "frequency",
    "participation",
    "supersedes_id",
    "signed_by",
    "signed_at",
    "content_sha256",
    "created_at",
    "updated_at",
)
_UNCHANGED = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in _FROZEN)


def _child_triggers(table: str) -> tuple[str, ...]:
    not_draft = "(SELECT status FROM plans WHERE id = {}.plan_id) IS NOT 'draft'"
    return (
        f"""
        CREATE TRIGGER {table}_locked_insert BEFORE INSERT ON {table}
        WHEN {not_draft.format("NEW")}
        BEGIN SELECT {_LOCKED}; END
        """,
        f"""
        CREATE TRIGGER {table}_locked_update BEFORE UPDATE ON {table}
        WHEN {not_draft.format("OLD")} OR {not_draft.format("NEW")}
        BEGIN SELECT {_LOCKED}; END
        """,
        f"""
        CREATE TRIGGER {table}_locked_delete BEFORE DELETE ON {table}
        WHEN {not_draft.format("OLD")}
        BEGIN SELECT {_LOCKED}; END
        """,
    )


STATEMENTS: tuple[str, ...] = (
    """
    CREATE TABLE plans (
        id                INTEGER PRIMARY KEY,
        client_id         INTEGER NOT NULL REFERENCES clients (id),
        version           INTEGER NOT NULL CHECK (version >= 1),
        status            TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'signed', 'superseded')),
        effective_date    TEXT NOT NULL,
        review_due        TEXT NOT NULL CHECK (review_due > effective_date),
        frequency         TEXT NOT NULL DEFAULT '',
        participation     TEXT NOT NULL DEFAULT '',
        supersedes_id     INTEGER REFERENCES plans (id),
        signed_by         TEXT,
        signed_at         TEXT,
        content_sha256    TEXT,
        superseded_at     TEXT,
        superseded_by_id  INTEGER REFERENCES plans (id),
        created_at        TEXT NOT NULL,
        updated_at        TEXT NOT NULL,
        UNIQUE (client_id, version),
        CHECK (status = 'draft' OR (signed_by IS NOT NULL AND signed_at IS NOT NULL AND content_sha256 IS NOT NULL)),
        CHECK ((status = 'superseded') = (superseded_at IS NOT NULL))
    )
    """,
    # At most one signed (the active) plan and one draft per client; these also serve active() and draft().
    "CREATE UNIQUE INDEX plans_one_active_per_client ON plans (client_id) WHERE status = 'signed'",
    "CREATE UNIQUE INDEX plans_one_draft_per_client ON plans (client_id) WHERE status = 'draft'",
    # The Today view: active plans by review date.
    "CREATE INDEX plans_active_by_review_due ON plans (review_due, client_id) WHERE status = 'signed'",
    "CREATE INDEX plans_by_supersedes ON plans (supersedes_id)",
    "CREATE INDEX plans_by_superseded_by ON plans (superseded_by_id)",
    """
    CREATE TABLE plan_problems (
        id         INTEGER PRIMARY KEY,
        plan_id    INTEGER NOT NULL REFERENCES plans (id),
        position   INTEGER NOT NULL,
        statement  TEXT NOT NULL CHECK (statement <> ''),
        UNIQUE (id, plan_id)
    )
    """,
    "CREATE INDEX plan_problems_by_plan ON plan_problems (plan_id, position)",
    """
    CREATE TABLE plan_goals (
        id               INTEGER PRIMARY KEY,
        plan_id          INTEGER NOT NULL REFERENCES plans (id),
        problem_id       INTEGER NOT NULL,
        position         INTEGER NOT NULL,
        statement        TEXT NOT NULL CHECK (statement <> ''),
        carried_from_id  INTEGER REFERENCES plan_goals (id),
        UNIQUE (id, plan_id),
        FOREIGN KEY (problem_id, plan_id) REFERENCES plan_problems (id, plan_id)
    )
    """,
    "CREATE INDEX plan_goals_by_plan ON plan_goals (plan_id, position)",
    "CREATE INDEX plan_goals_by_problem ON plan_goals (problem_id, plan_id)",
    "CREATE INDEX plan_goals_by_carried_from ON plan_goals (carried_from_id)",
    """
    CREATE TABLE plan_objectives (
        id               INTEGER PRIMARY KEY,
        plan_id          INTEGER NOT NULL REFERENCES plans (id),
        goal_id          INTEGER NOT NULL,
        position         INTEGER NOT NULL,
        text             TEXT NOT NULL CHECK (text <> ''),
        target_date      TEXT,
        carried_from_id  INTEGER REFERENCES plan_objectives (id),
        FOREIGN KEY (goal_id, plan_id) REFERENCES plan_goals (id, plan_id)
    )
    """,
    "CREATE INDEX plan_objectives_by_plan ON plan_objectives (plan_id, position)",
    "CREATE INDEX plan_objectives_by_goal ON plan_objectives (goal_id, plan_id)",
    "CREATE INDEX plan_objectives_by_carried_from ON plan_objectives (carried_from_id)",
    """
    CREATE TABLE plan_interventions (
        id           INTEGER PRIMARY KEY,
        plan_id      INTEGER NOT NULL REFERENCES plans (id),
        goal_id      INTEGER NOT NULL,
        position     INTEGER NOT NULL,
        modality     TEXT NOT NULL CHECK (modality IN ('CBT', 'DBT', 'trauma-focused', 'EMDR', 'solution-focused',
                                                       'MI', 'family systems', 'psychodynamic', 'other')),
        description  TEXT NOT NULL DEFAULT '',
        FOREIGN KEY (goal_id, plan_id) REFERENCES plan_goals (id, plan_id)
    )
    """,
    "CREATE INDEX plan_interventions_by_plan ON plan_interventions (plan_id, position)",
    "CREATE INDEX plan_interventions_by_goal ON plan_interventions (goal_id, plan_id)",
    f"""
    CREATE TRIGGER plans_locked_update BEFORE UPDATE ON plans
    WHEN OLD.status IS NOT 'draft' AND NOT (
        OLD.status = 'signed' AND NEW.status = 'superseded' AND OLD.superseded_at IS NULL AND {_UNCHANGED}
    )
    BEGIN SELECT {_LOCKED}; END
    """,
    f"""
    CREATE TRIGGER plans_locked_delete BEFORE DELETE ON plans
    WHEN OLD.status IS NOT 'draft'
    BEGIN SELECT {_LOCKED}; END
    """,
    *_child_triggers("plan_problems"),
    *_child_triggers("plan_goals"),
    *_child_triggers("plan_objectives"),
    *_child_triggers("plan_interventions"),
)
