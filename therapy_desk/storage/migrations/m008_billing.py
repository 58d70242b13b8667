"""Step 8: service catalogue, payers, coverage, charges, payments and allocations.

Money is integer cents. Charges, payments and allocations are never deleted or edited: a charge or
payment is voided (which releases its allocations) and an allocation is released. Triggers keep each
charge's `paid_cents` and each payment's `allocated_cents` equal to the sum of its live allocations,
and CHECK constraints refuse paying a charge beyond its fee or allocating a payment beyond its amount,
so balances are indexed sums over two tables.

The catalogue is seeded from `therapy_desk.domain.codes` (SEED_SERVICES, SEED_FEES): one source.
"""

from __future__ import annotations

from therapy_desk.domain.codes import SEED_FEES, SEED_SERVICES, ServiceCode


def _literal(value: str | int | bool | None) -> str:
    """An SQL literal for one of our own seed constants (never user input)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(int(value))
    return "'" + value.replace("'", "''") + "'"


def _seed(service: ServiceCode) -> str:
    values = (
        service.code,
        service.description,
        service.default_minutes,
        service.default_fee_cents,
        service.is_addon,
        service.billable_to_insurance,
        service.active,
    )
    return (
        "INSERT INTO services (code, description, default_minutes, fee_cents, is_addon, billable_to_insurance, "  # noqa: S608 - our seed constants, quoted
        f"active, updated_at) VALUES ({', '.join(_literal(v) for v in values)}, "
        "strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now'))"
    )


_TABLES = (
    """
    CREATE TABLE services (
        code                   TEXT PRIMARY KEY,
        description            TEXT NOT NULL CHECK (description <> ''),
        default_minutes        INTEGER CHECK (default_minutes IS NULL OR default_minutes BETWEEN 1 AND 600),
        fee_cents              INTEGER NOT NULL CHECK (fee_cents >= 0),
        is_addon               INTEGER NOT NULL DEFAULT 0 CHECK (is_addon IN (0, 1)),
        billable_to_insurance  INTEGER NOT NULL DEFAULT 1 CHECK (billable_to_insurance IN (0, 1)),
        active                 INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
        updated_at             TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE payers (
        id             INTEGER PRIMARY KEY,
        name           TEXT NOT NULL CHECK (name <> ''),
        kind           TEXT NOT NULL CHECK (kind IN ('commercial', 'medicaid', 'medicare', 'eap', 'other')),
        electronic_id  TEXT NOT NULL DEFAULT '',
        street         TEXT NOT NULL DEFAULT '',
        city           TEXT NOT NULL DEFAULT '',
        state          TEXT NOT NULL DEFAULT '',
        zip            TEXT NOT NULL DEFAULT '',
        phone          TEXT NOT NULL DEFAULT '',
        active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
        created_at     TEXT NOT NULL,
        updated_at     TEXT NOT NULL
    )
    """,
    "CREATE INDEX payers_by_name ON payers (active, name COLLATE NOCASE)",
    """
    CREATE TABLE coverages (
        id                    INTEGER PRIMARY KEY,
        client_id             INTEGER NOT NULL REFERENCES clients (id),
        payer_id              INTEGER NOT NULL REFERENCES payers (id),
        rank                  TEXT NOT NULL CHECK (rank IN ('primary', 'secondary')),
        member_id             TEXT NOT NULL CHECK (member_id <> ''),
        group_number          TEXT NOT NULL DEFAULT '',
        relationship          TEXT NOT NULL CHECK (relationship IN ('self', 'spouse', 'child', 'other')),
        -- blank for relationship 'self': the subscriber is the client, read from the clients row
        subscriber_first      TEXT NOT NULL DEFAULT '',
        subscriber_last       TEXT NOT NULL DEFAULT '',
        subscriber_dob        TEXT,
        subscriber_sex        TEXT NOT NULL DEFAULT 'U' CHECK (subscriber_sex IN ('F', 'M', 'U')),
        copay_cents           INTEGER NOT NULL DEFAULT 0 CHECK (copay_cents >= 0),
        authorization_number  TEXT NOT NULL DEFAULT '',
        authorized_visits     INTEGER CHECK (authorized_visits IS NULL OR authorized_visits >= 0),
        authorization_start   TEXT,
        authorization_end     TEXT,
        start_date            TEXT NOT NULL,
        end_date              TEXT,
        created_at            TEXT NOT NULL,
        updated_at            TEXT NOT NULL,
        CHECK (end_date IS NULL OR end_date >= start_date),
        CHECK (authorization_end IS NULL OR authorization_start IS NULL OR authorization_end >= authorization_start),
        CHECK (relationship <> 'self' OR (subscriber_first = '' AND subscriber_last = '' AND subscriber_dob IS NULL))
    )
    """,
    "CREATE INDEX coverages_by_client ON coverages (client_id, start_date, rank)",
    "CREATE INDEX coverages_by_payer ON coverages (payer_id)",
    """
    CREATE TABLE charges (
        id                     INTEGER PRIMARY KEY,
        client_id              INTEGER NOT NULL REFERENCES clients (id),
        appointment_id         INTEGER REFERENCES appointments (id),
        kind                   TEXT NOT NULL CHECK (kind IN ('session', 'late cancel', 'no-show', 'manual')),
        date_of_service        TEXT NOT NULL,
        service_code           TEXT NOT NULL REFERENCES services (code),
        description            TEXT NOT NULL,
        units                  INTEGER NOT NULL CHECK (units BETWEEN 1 AND 99),
        fee_cents              INTEGER NOT NULL CHECK (fee_cents >= 0),
        pos                    TEXT NOT NULL,
        modifiers              TEXT NOT NULL DEFAULT '',
        billable_to_insurance  INTEGER NOT NULL CHECK (billable_to_insurance IN (0, 1)),
        paid_cents             INTEGER NOT NULL DEFAULT 0 CHECK (paid_cents BETWEEN 0 AND fee_cents),
        created_at             TEXT NOT NULL,
        voided_at              TEXT,
        void_reason            TEXT NOT NULL DEFAULT '',
        CHECK (voided_at IS NULL OR paid_cents = 0)
    )
    """,
    "CREATE INDEX charges_by_client ON charges (client_id, date_of_service, id)",
    # Covering indexes for balances: a client's live charges and payments with the amounts that sum them.
    # voided_at is in the key (always NULL here) only so the planner sees the index as covering.
    """
    CREATE INDEX charges_open_by_client ON charges (client_id, fee_cents, paid_cents, voided_at)
        WHERE voided_at IS NULL
    """,
    """
    CREATE UNIQUE INDEX charges_one_per_appointment ON charges (appointment_id, client_id, service_code)
        WHERE appointment_id IS NOT NULL AND voided_at IS NULL
    """,
    """
    CREATE TABLE charge_diagnoses (
        charge_id     INTEGER NOT NULL REFERENCES charges (id),
        pointer       INTEGER NOT NULL CHECK (pointer BETWEEN 1 AND 4),
        diagnosis_id  INTEGER NOT NULL REFERENCES diagnoses (id),
        PRIMARY KEY (charge_id, pointer),
        UNIQUE (charge_id, diagnosis_id)
    ) WITHOUT ROWID
    """,
    "CREATE INDEX charge_diagnoses_by_diagnosis ON charge_diagnoses (diagnosis_id)",
    """
    CREATE TABLE payments (
        id               INTEGER PRIMARY KEY,
        client_id        INTEGER NOT NULL REFERENCES clients (id),
        payer_id         INTEGER REFERENCES payers (id),
        received_on      TEXT NOT NULL,
        amount_cents     INTEGER NOT NULL CHECK (amount_cents > 0),
        method           TEXT NOT NULL CHECK (method IN ('card', 'cash', 'check', 'eft', 'insurance')),
        reference        TEXT NOT NULL DEFAULT '',
        allocated_cents  INTEGER NOT NULL DEFAULT 0 CHECK (allocated_cents BETWEEN 0 AND amount_cents),
        created_at       TEXT NOT NULL,
        voided_at        TEXT,
        void_reason      TEXT NOT NULL DEFAULT '',
        CHECK (voided_at IS NULL OR allocated_cents = 0),
        CHECK (method <> 'insurance' OR payer_id IS NOT NULL)
    )
    """,
    "CREATE INDEX payments_by_client ON payments (client_id, received_on, id)",
    """
    CREATE INDEX payments_open_by_client ON payments (client_id, amount_cents, allocated_cents, voided_at)
        WHERE voided_at IS NULL
    """,
    "CREATE INDEX payments_by_payer ON payments (payer_id) WHERE payer_id IS NOT NULL",
    """
    CREATE TABLE allocations (
        id            INTEGER PRIMARY KEY,
        payment_id    INTEGER NOT NULL REFERENCES payments (id),
        charge_id     INTEGER NOT NULL REFERENCES charges (id),
        amount_cents  INTEGER NOT NULL CHECK (amount_cents > 0),
        created_at    TEXT NOT NULL,
        released_at   TEXT
    )
    """,
    "CREATE INDEX allocations_by_payment ON allocations (payment_id, released_at)",
    "CREATE INDEX allocations_by_charge ON allocations (charge_id, released_at)",
)

_TRIGGERS = (
    """
    CREATE TRIGGER allocations_check BEFORE INSERT ON allocations
    BEGIN
        SELECT RAISE(ABORT, 'an allocation needs a live payment and a live charge of the same client')
        WHERE NOT EXISTS (
            SELECT 1 FROM payments p JOIN charges c ON c.client_id = p.client_id
            WHERE p.id = NEW.payment_id AND c.id = NEW.charge_id AND p.voided_at IS NULL AND c.voided_at IS NULL
        ) OR NEW.released_at IS NOT NULL;
    END
    """,
    """
    CREATE TRIGGER allocations_apply AFTER INSERT ON allocations
    BEGIN
        UPDATE charges SET paid_cents = paid_cents + NEW.amount_cents WHERE id = NEW.charge_id;
        UPDATE payments SET allocated_cents = allocated_cents + NEW.amount_cents WHERE id = NEW.payment_id;
    END
    """,
    """
    CREATE TRIGGER allocations_fixed BEFORE UPDATE ON allocations
    WHEN NEW.payment_id IS NOT OLD.payment_id OR NEW.charge_id IS NOT OLD.charge_id
        OR NEW.amount_cents IS NOT OLD.amount_cents OR NEW.created_at IS NOT OLD.created_at
        OR OLD.released_at IS NOT NULL OR NEW.released_at IS NULL
    BEGIN
        SELECT RAISE(ABORT, 'allocations are never edited, only released once');
    END
    """,
    """
    CREATE TRIGGER allocations_release AFTER UPDATE OF released_at ON allocations
    BEGIN
        UPDATE charges SET paid_cents = paid_cents - OLD.amount_cents WHERE id = OLD.charge_id;
        UPDATE payments SET allocated_cents = allocated_cents - OLD.amount_cents WHERE id = OLD.payment_id;
    END
    """,
    """
    CREATE TRIGGER allocations_kept BEFORE DELETE ON allocations
    BEGIN
        SELECT RAISE(ABORT, 'allocations are never deleted; release them instead');
    END
    """,
    """
    CREATE TRIGGER charges_fixed BEFORE UPDATE ON charges
    WHEN NEW.client_id IS NOT OLD.client_id OR NEW.appointment_id IS NOT OLD.appointment_id
        OR NEW.kind IS NOT OLD.kind OR NEW.date_of_service IS NOT OLD.date_of_service
        OR NEW.service_code IS NOT OLD.service_code OR NEW.description IS NOT OLD.description
        OR NEW.units IS NOT OLD.units OR NEW.fee_cents IS NOT OLD.fee_cents OR NEW.pos IS NOT OLD.pos
        OR NEW.modifiers IS NOT OLD.modifiers OR NEW.billable_to_insurance IS NOT OLD.billable_to_insurance
        OR NEW.created_at IS NOT OLD.created_at
        OR (OLD.voided_at IS NOT NULL
            AND (NEW.voided_at IS NOT OLD.voided_at OR NEW.void_reason IS NOT OLD.void_reason))
    BEGIN
        SELECT RAISE(ABORT, 'charges are never edited; void the charge and enter a new one');
    END
    """,
    """
    CREATE TRIGGER charges_kept BEFORE DELETE ON charges
    BEGIN
        SELECT RAISE(ABORT, 'charges are never deleted; void them instead');
    END
    """,
    """
    CREATE TRIGGER charge_diagnoses_fixed BEFORE UPDATE ON charge_diagnoses
    BEGIN
        SELECT RAISE(ABORT, 'diagnosis pointers of a charge are never edited');
    END
    """,
    """
    CREATE TRIGGER charge_diagnoses_kept BEFORE DELETE ON charge_diagnoses
    BEGIN
        SELECT RAISE(ABORT, 'diagnosis pointers of a charge are never deleted');
    END
    """,
    """
    CREATE TRIGGER payments_fixed BEFORE UPDATE ON payments
    WHEN NEW.client_id IS NOT OLD.client_id OR NEW.payer_id IS NOT OLD.payer_id
        OR NEW.received_on IS NOT OLD.received_on OR NEW.amount_cents IS NOT OLD.amount_cents
        OR NEW.method IS NOT OLD.method OR NEW.reference IS NOT OLD.reference OR NEW.created_at IS NOT OLD.created_at
        OR (OLD.voided_at IS NOT NULL
            AND (NEW.voided_at IS NOT OLD.voided_at OR NEW.void_reason IS NOT OLD.void_reason))
    BEGIN
        SELECT RAISE(ABORT, 'payments are never edited; void the payment and enter a new one');
    END
    """,
    """
    CREATE TRIGGER payments_kept BEFORE DELETE ON payments
    BEGIN
        SELECT RAISE(ABORT, 'payments are never deleted; void them instead');
    END
    """,
)

STATEMENTS: tuple[str, ...] = (
    *_TABLES,
    *_TRIGGERS,
    *(_seed(service) for service in (*SEED_SERVICES, *SEED_FEES)),
)
