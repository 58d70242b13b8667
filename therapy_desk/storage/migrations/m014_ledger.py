"""Step 14: the ledger's reductions of a charge, EOB posting, and the documents a practice issues.

Nothing that reduces a charge is edited away: a contractual adjustment or a write-off is its own row in
`adjustments`, a refund out of a credit its own row in `refunds`, and each is undone only by a reversing
row that names the row it reverses (`reverses_id`, unique: a row is reversed at most once, and a reversal
is never itself reversed). Triggers keep `charges.adjusted_cents` the sum of a charge's live adjustments,
as step 8's keep `paid_cents` the sum of its allocations; the column's CHECK refuses reducing a charge
below zero (payments plus adjustments beyond its fee).

An EOB (`eob_postings`, one per insurer's check or EFT) has one `eob_lines` row per charge: allowed, paid,
the client's responsibility (deductible, coinsurance, copay), the adjustment group and reason code. Its
payment rows and its contractual adjustments name it; an EOB is reversed by a reversing posting.

Coverage gains what a claim and a superbill ask of a policy beyond step 8's: the plan's name, the
subscriber's address and phone (blank when the client is the subscriber, relationship 'self': the client's
own are used, as for the name), and the coinsurance percentage.

`documents_issued` lists every document written for a client (or the practice); `good_faith_estimates`
keeps each Good Faith Estimate given to a self-pay client. Both are append-only.
"""

from __future__ import annotations

_TABLES = (
    """
    ALTER TABLE charges ADD COLUMN adjusted_cents INTEGER NOT NULL DEFAULT 0
        CHECK (adjusted_cents >= 0 AND paid_cents + adjusted_cents <= fee_cents
               AND (voided_at IS NULL OR adjusted_cents = 0))
    """,
    # The balances' covering index, now with the adjustments it sums (see step 8).
    "DROP INDEX charges_open_by_client",
    """
    CREATE INDEX charges_open_by_client ON charges (client_id, fee_cents, paid_cents, adjusted_cents, voided_at)
        WHERE voided_at IS NULL
    """,
    # What aging and the unpaid lists read of every live charge, without a look in the table. (A partial index
    # on "paid + adjusted < fee" would be smaller, but SQLite never matches an expression like that to one.)
    """
    CREATE INDEX charges_live_for_aging ON charges (date_of_service, client_id, fee_cents, paid_cents, adjusted_cents,
        billable_to_insurance) WHERE voided_at IS NULL
    """,
    # The amounts applied to a charge and by whom, read from the index alone (aging asks it for each charge
    # with a copay); it replaces step 8's index on the charge alone.
    "DROP INDEX allocations_by_charge",
    "CREATE INDEX allocations_by_charge ON allocations (charge_id, released_at, payment_id, amount_cents)",
    # Clients' unapplied payments (credit), for aging.
    """
    CREATE INDEX payments_unapplied ON payments (client_id, amount_cents, allocated_cents, voided_at)
        WHERE voided_at IS NULL AND allocated_cents < amount_cents
    """,
    """
    CREATE TABLE eob_postings (
        id            INTEGER PRIMARY KEY,
        payer_id      INTEGER NOT NULL REFERENCES payers (id),
        reference     TEXT NOT NULL DEFAULT '' CHECK (length(reference) <= 80),
        received_on   TEXT NOT NULL,
        total_cents   INTEGER NOT NULL CHECK (total_cents >= 0),
        reverses_id   INTEGER UNIQUE REFERENCES eob_postings (id),
        reason        TEXT NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
        created_at    TEXT NOT NULL,
        CHECK (reverses_id IS NULL OR reverses_id <> id)
    )
    """,
    "CREATE INDEX eob_postings_by_payer ON eob_postings (payer_id, received_on)",
    """
    CREATE TABLE eob_lines (
        id                 INTEGER PRIMARY KEY,
        eob_id             INTEGER NOT NULL REFERENCES eob_postings (id),
        charge_id          INTEGER NOT NULL REFERENCES charges (id),
        client_id          INTEGER NOT NULL REFERENCES clients (id),
        payment_id         INTEGER REFERENCES payments (id),
        allowed_cents      INTEGER NOT NULL CHECK (allowed_cents >= 0),
        paid_cents         INTEGER NOT NULL CHECK (paid_cents >= 0),
        deductible_cents   INTEGER NOT NULL DEFAULT 0 CHECK (deductible_cents >= 0),
        coinsurance_cents  INTEGER NOT NULL DEFAULT 0 CHECK (coinsurance_cents >= 0),
        copay_cents        INTEGER NOT NULL DEFAULT 0 CHECK (copay_cents >= 0),
        group_code         TEXT NOT NULL CHECK (group_code IN ('CO', 'PR', 'OA', 'PI')),
        reason_code        TEXT NOT NULL DEFAULT '' CHECK (length(reason_code) <= 5),
        CHECK (paid_cents + deductible_cents + coinsurance_cents + copay_cents = allowed_cents)
    )
    """,
    "CREATE INDEX eob_lines_by_charge ON eob_lines (charge_id, eob_id)",
    "CREATE INDEX eob_lines_by_eob ON eob_lines (eob_id)",
    "CREATE INDEX eob_lines_by_client ON eob_lines (client_id)",
    """
    CREATE TABLE adjustments (
        id            INTEGER PRIMARY KEY,
        client_id     INTEGER NOT NULL REFERENCES clients (id),
        charge_id     INTEGER NOT NULL REFERENCES charges (id),
        kind          TEXT NOT NULL CHECK (kind IN ('contractual', 'write-off')),
        amount_cents  INTEGER NOT NULL CHECK (amount_cents > 0),
        adjusted_on   TEXT NOT NULL,
        reason        TEXT NOT NULL DEFAULT ''
            CHECK (reason IN ('', 'small balance', 'hardship', 'bad debt', 'courtesy')),
        group_code    TEXT NOT NULL DEFAULT '' CHECK (group_code IN ('', 'CO', 'PR', 'OA', 'PI')),
        reason_code   TEXT NOT NULL DEFAULT '' CHECK (length(reason_code) <= 5),
        note          TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 500),
        eob_line_id   INTEGER REFERENCES eob_lines (id),
        reverses_id   INTEGER UNIQUE REFERENCES adjustments (id),
        created_at    TEXT NOT NULL,
        CHECK (kind <> 'write-off' OR reverses_id IS NOT NULL OR reason <> ''),
        CHECK (reverses_id IS NULL OR reverses_id <> id)
    )
    """,
    "CREATE INDEX adjustments_by_client ON adjustments (client_id, adjusted_on, id)",
    "CREATE INDEX adjustments_by_charge ON adjustments (charge_id)",
    """
    CREATE TABLE refunds (
        id            INTEGER PRIMARY KEY,
        client_id     INTEGER NOT NULL REFERENCES clients (id),
        payer_id      INTEGER REFERENCES payers (id),
        amount_cents  INTEGER NOT NULL CHECK (amount_cents > 0),
        refunded_on   TEXT NOT NULL,
        method        TEXT NOT NULL CHECK (method IN ('card', 'cash', 'check', 'eft')),
        reference     TEXT NOT NULL DEFAULT '' CHECK (length(reference) <= 80),
        note          TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 500),
        reverses_id   INTEGER UNIQUE REFERENCES refunds (id),
        created_at    TEXT NOT NULL,
        CHECK (reverses_id IS NULL OR reverses_id <> id)
    )
    """,
    "CREATE INDEX refunds_by_client ON refunds (client_id, refunded_on, id)",
    """
    CREATE TABLE documents_issued (
        id            INTEGER PRIMARY KEY,
        client_id     INTEGER REFERENCES clients (id),
        kind          TEXT NOT NULL CHECK (kind IN ('superbill', 'statement', 'estimate', 'other')),
        issued_at     TEXT NOT NULL,
        recipient     TEXT NOT NULL DEFAULT '' CHECK (length(recipient) <= 200),
        file_name     TEXT NOT NULL CHECK (file_name <> '' AND length(file_name) <= 255),
        sha256        TEXT NOT NULL CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
        period_from   TEXT,
        period_to     TEXT,
        pages         INTEGER NOT NULL CHECK (pages >= 1),
        details       TEXT NOT NULL DEFAULT '{}' CHECK (length(details) <= 4096 AND json_valid(details)),
        CHECK (period_to IS NULL OR period_from IS NULL OR period_to >= period_from)
    )
    """,
    "CREATE INDEX documents_issued_by_client ON documents_issued (client_id, issued_at)",
    """
    CREATE TABLE good_faith_estimates (
        id            INTEGER PRIMARY KEY,
        client_id     INTEGER NOT NULL REFERENCES clients (id),
        issued_at     TEXT NOT NULL,
        period_from   TEXT NOT NULL,
        period_to     TEXT NOT NULL,
        lines         TEXT NOT NULL CHECK (json_valid(lines) AND json_type(lines) = 'array'),
        total_cents   INTEGER NOT NULL CHECK (total_cents >= 0),
        sha256        TEXT CHECK (sha256 IS NULL OR (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*')),
        CHECK (period_to >= period_from)
    )
    """,
    "CREATE INDEX good_faith_estimates_by_client ON good_faith_estimates (client_id, issued_at)",
)

_TRIGGERS = (
    """
    CREATE TRIGGER adjustments_apply AFTER INSERT ON adjustments
    BEGIN
        UPDATE charges SET adjusted_cents = adjusted_cents
            + CASE WHEN NEW.reverses_id IS NULL THEN NEW.amount_cents ELSE -NEW.amount_cents END
        WHERE id = NEW.charge_id;
    END
    """,
    """
    CREATE TRIGGER adjustments_reverse_check BEFORE INSERT ON adjustments
    WHEN NEW.reverses_id IS NOT NULL
    BEGIN
        SELECT RAISE(ABORT, 'a reversal reverses one live adjustment of the same charge and amount')
        WHERE NOT EXISTS (
            SELECT 1 FROM adjustments a WHERE a.id = NEW.reverses_id AND a.reverses_id IS NULL
            AND a.charge_id = NEW.charge_id AND a.amount_cents = NEW.amount_cents AND a.kind = NEW.kind
        );
    END
    """,
    """
    CREATE TRIGGER adjustments_fixed BEFORE UPDATE ON adjustments
    BEGIN
        SELECT RAISE(ABORT, 'adjustments are never edited; enter a reversing adjustment');
    END
    """,
    """
    CREATE TRIGGER adjustments_kept BEFORE DELETE ON adjustments
    BEGIN
        SELECT RAISE(ABORT, 'adjustments are never deleted; enter a reversing adjustment');
    END
    """,
    """
    CREATE TRIGGER refunds_reverse_check BEFORE INSERT ON refunds
    WHEN NEW.reverses_id IS NOT NULL
    BEGIN
        SELECT RAISE(ABORT, 'a reversal reverses one refund of the same party and amount')
        WHERE NOT EXISTS (
            SELECT 1 FROM refunds r WHERE r.id = NEW.reverses_id AND r.reverses_id IS NULL
            AND r.client_id = NEW.client_id AND r.payer_id IS NEW.payer_id AND r.amount_cents = NEW.amount_cents
        );
    END
    """,
    """
    CREATE TRIGGER refunds_fixed BEFORE UPDATE ON refunds
    BEGIN
        SELECT RAISE(ABORT, 'refunds are never edited; enter a reversing refund');
    END
    """,
    """
    CREATE TRIGGER refunds_kept BEFORE DELETE ON refunds
    BEGIN
        SELECT RAISE(ABORT, 'refunds are never deleted; enter a reversing refund');
    END
    """,
    """
    CREATE TRIGGER eob_postings_fixed BEFORE UPDATE ON eob_postings
    BEGIN
        SELECT RAISE(ABORT, 'EOB postings are never edited; reverse the posting');
    END
    """,
    """
    CREATE TRIGGER eob_postings_kept BEFORE DELETE ON eob_postings
    BEGIN
        SELECT RAISE(ABORT, 'EOB postings are never deleted; reverse the posting');
    END
    """,
    """
    CREATE TRIGGER eob_lines_fixed BEFORE UPDATE ON eob_lines
    BEGIN
        SELECT RAISE(ABORT, 'EOB lines are never edited; reverse the posting');
    END
    """,
    """
    CREATE TRIGGER eob_lines_kept BEFORE DELETE ON eob_lines
    BEGIN
        SELECT RAISE(ABORT, 'EOB lines are never deleted; reverse the posting');
    END
    """,
    """
    CREATE TRIGGER documents_issued_fixed BEFORE UPDATE ON documents_issued
    BEGIN
        SELECT RAISE(ABORT, 'the list of documents issued is never edited');
    END
    """,
    """
    CREATE TRIGGER documents_issued_kept BEFORE DELETE ON documents_issued
    BEGIN
        SELECT RAISE(ABORT, 'the list of documents issued is never deleted from');
    END
    """,
    # An estimate is fixed once given; only its PDF's hash is filled in, once.
    """
    CREATE TRIGGER good_faith_estimates_fixed BEFORE UPDATE ON good_faith_estimates
    WHEN NEW.client_id IS NOT OLD.client_id OR NEW.issued_at IS NOT OLD.issued_at
        OR NEW.period_from IS NOT OLD.period_from OR NEW.period_to IS NOT OLD.period_to
        OR NEW.lines IS NOT OLD.lines OR NEW.total_cents IS NOT OLD.total_cents
        OR OLD.sha256 IS NOT NULL
    BEGIN
        SELECT RAISE(ABORT, 'a Good Faith Estimate is never edited once given; give a new one');
    END
    """,
    """
    CREATE TRIGGER good_faith_estimates_kept BEFORE DELETE ON good_faith_estimates
    BEGIN
        SELECT RAISE(ABORT, 'Good Faith Estimates are never deleted');
    END
    """,
)

_SELF_BLANK = "(relationship <> 'self' OR {0} = '')"
_DIGITS = "[0-9][0-9][0-9]"
_COVERAGE = (
    "ALTER TABLE coverages ADD COLUMN plan_name TEXT NOT NULL DEFAULT '' CHECK (length(plan_name) <= 80)",
    "ALTER TABLE coverages ADD COLUMN subscriber_street TEXT NOT NULL DEFAULT '' "
    f"CHECK (length(subscriber_street) <= 200 AND {_SELF_BLANK.format('subscriber_street')})",
    "ALTER TABLE coverages ADD COLUMN subscriber_city TEXT NOT NULL DEFAULT '' "
    f"CHECK (length(subscriber_city) <= 80 AND {_SELF_BLANK.format('subscriber_city')})",
    "ALTER TABLE coverages ADD COLUMN subscriber_state TEXT NOT NULL DEFAULT '' "
    "CHECK ((subscriber_state = '' OR subscriber_state GLOB '[A-Z][A-Z]') "
    f"AND {_SELF_BLANK.format('subscriber_state')})",
    "ALTER TABLE coverages ADD COLUMN subscriber_zip TEXT NOT NULL DEFAULT '' "
    f"CHECK ((subscriber_zip = '' OR subscriber_zip GLOB '{_DIGITS}[0-9][0-9]' "
    f"OR subscriber_zip GLOB '{_DIGITS}[0-9][0-9]-[0-9]{_DIGITS}') AND {_SELF_BLANK.format('subscriber_zip')})",
    "ALTER TABLE coverages ADD COLUMN subscriber_phone TEXT NOT NULL DEFAULT '' "
    f"CHECK ((subscriber_phone = '' OR subscriber_phone GLOB '({_DIGITS}) {_DIGITS}-[0-9]{_DIGITS}') "
    f"AND {_SELF_BLANK.format('subscriber_phone')})",
    "ALTER TABLE coverages ADD COLUMN coinsurance_percent INTEGER "
    "CHECK (coinsurance_percent IS NULL OR coinsurance_percent BETWEEN 0 AND 100)",
)

STATEMENTS: tuple[str, ...] = (*_TABLES, *_COVERAGE, *_TRIGGERS)
