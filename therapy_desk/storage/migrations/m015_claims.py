"""Step 15: insurance claims, and the CMS-1500 boxes the data model lacked.

A claim (`claims`) groups live charges of one client for one payer, under the coverage in force; its lines
(`claim_lines`) are fixed when it is created, and its history (`claim_events`) is append-only. A corrected
claim (frequency 7) or a void claim (8) is a new claim naming the one it replaces. `x12_batches` keeps each
837P file written: its id is the interchange control number, so control numbers are stored and only grow.

What the boxes need beyond step 14, with defaults an existing vault can live with:
- coverages: the patient's name as the insurance card spells it, when it is not the legal name (another
  script, a former name; blank: the legal name), the insurance type (box 1; from the payer's kind as
  domain.claims.insurance_type_for says), and the dates the client signed the release of
  information (box 12) and the assignment of benefits (box 13): unknown (NULL) until recorded, which the
  claim scrub asks for;
- care contacts: an NPI, for a referring provider (box 17b);
- the practice profile: a group (Type 2) NPI and name for billing as a group (box 33), and a service
  facility (box 32) when sessions are not at the practice address.
"""

from __future__ import annotations

_NPI = "'[12][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'"
_STATES = "('draft', 'ready', 'submitted', 'accepted', 'paid', 'denied', 'replaced', 'voided')"

_COLUMNS = (
    "ALTER TABLE coverages ADD COLUMN insurance_type TEXT NOT NULL DEFAULT 'group' "
    "CHECK (insurance_type IN ('medicare', 'medicaid', 'tricare', 'champva', 'group', 'feca', 'other'))",
    """
    UPDATE coverages SET insurance_type = CASE (SELECT kind FROM payers WHERE payers.id = coverages.payer_id)
        WHEN 'medicare' THEN 'medicare' WHEN 'medicaid' THEN 'medicaid' WHEN 'commercial' THEN 'group'
        ELSE 'other' END
    """,
    "ALTER TABLE coverages ADD COLUMN card_first TEXT NOT NULL DEFAULT '' CHECK (length(card_first) <= 80)",
    "ALTER TABLE coverages ADD COLUMN card_last TEXT NOT NULL DEFAULT '' CHECK (length(card_last) <= 80)",
    "ALTER TABLE coverages ADD COLUMN release_signed_on TEXT",
    "ALTER TABLE coverages ADD COLUMN assignment_signed_on TEXT",
    f"ALTER TABLE care_contacts ADD COLUMN npi TEXT NOT NULL DEFAULT '' CHECK (npi = '' OR npi GLOB {_NPI})",
    "ALTER TABLE practice_profile ADD COLUMN group_name TEXT NOT NULL DEFAULT '' CHECK (length(group_name) <= 120)",
    f"ALTER TABLE practice_profile ADD COLUMN group_npi TEXT NOT NULL DEFAULT '' "
    f"CHECK (group_npi = '' OR group_npi GLOB {_NPI})",
    "ALTER TABLE practice_profile ADD COLUMN facility_name TEXT NOT NULL DEFAULT '' "
    "CHECK (length(facility_name) <= 120)",
    "ALTER TABLE practice_profile ADD COLUMN facility_street TEXT NOT NULL DEFAULT '' "
    "CHECK (length(facility_street) <= 200)",
    "ALTER TABLE practice_profile ADD COLUMN facility_city TEXT NOT NULL DEFAULT '' "
    "CHECK (length(facility_city) <= 80)",
    "ALTER TABLE practice_profile ADD COLUMN facility_state TEXT NOT NULL DEFAULT '' "
    "CHECK (facility_state = '' OR facility_state GLOB '[A-Z][A-Z]')",
    "ALTER TABLE practice_profile ADD COLUMN facility_zip TEXT NOT NULL DEFAULT '' CHECK (length(facility_zip) <= 10)",
    f"ALTER TABLE practice_profile ADD COLUMN facility_npi TEXT NOT NULL DEFAULT '' "
    f"CHECK (facility_npi = '' OR facility_npi GLOB {_NPI})",
)

_TABLES = (
    f"""
    CREATE TABLE claims (
        id                    INTEGER PRIMARY KEY,
        client_id             INTEGER NOT NULL REFERENCES clients (id),
        payer_id              INTEGER NOT NULL REFERENCES payers (id),
        coverage_id           INTEGER NOT NULL REFERENCES coverages (id),
        state                 TEXT NOT NULL DEFAULT 'draft' CHECK (state IN {_STATES}),
        frequency             TEXT NOT NULL DEFAULT '1' CHECK (frequency IN ('1', '7', '8')),
        original_claim_id     INTEGER UNIQUE REFERENCES claims (id),
        original_reference    TEXT NOT NULL DEFAULT '' CHECK (length(original_reference) <= 50),
        payer_claim_number    TEXT NOT NULL DEFAULT '' CHECK (length(payer_claim_number) <= 50),
        employment_related    INTEGER NOT NULL DEFAULT 0 CHECK (employment_related IN (0, 1)),
        auto_accident         INTEGER NOT NULL DEFAULT 0 CHECK (auto_accident IN (0, 1)),
        auto_accident_state   TEXT NOT NULL DEFAULT ''
            CHECK (auto_accident_state = '' OR auto_accident_state GLOB '[A-Z][A-Z]'),
        other_accident        INTEGER NOT NULL DEFAULT 0 CHECK (other_accident IN (0, 1)),
        accident_on           TEXT,
        claim_codes           TEXT NOT NULL DEFAULT '' CHECK (length(claim_codes) <= 19),
        illness_onset         TEXT,
        referring_contact_id  INTEGER REFERENCES care_contacts (id),
        referring_qualifier   TEXT NOT NULL DEFAULT 'DN' CHECK (referring_qualifier IN ('DN', 'DK', 'DQ')),
        prior_authorization   TEXT NOT NULL DEFAULT '' CHECK (length(prior_authorization) <= 50),
        accept_assignment     INTEGER NOT NULL DEFAULT 1 CHECK (accept_assignment IN (0, 1)),
        provider_signed_on    TEXT,
        denial_reason         TEXT NOT NULL DEFAULT '' CHECK (length(denial_reason) <= 500),
        created_at            TEXT NOT NULL,
        updated_at            TEXT NOT NULL,
        CHECK ((frequency = '1') = (original_claim_id IS NULL)),
        CHECK (auto_accident = 1 OR auto_accident_state = '')
    )
    """,
    "CREATE INDEX claims_by_state ON claims (state, id)",
    "CREATE INDEX claims_by_client ON claims (client_id, id)",
    "CREATE INDEX claims_by_payer ON claims (payer_id, state)",
    """
    CREATE TABLE claim_lines (
        claim_id     INTEGER NOT NULL REFERENCES claims (id),
        line_number  INTEGER NOT NULL CHECK (line_number BETWEEN 1 AND 50),
        charge_id    INTEGER NOT NULL REFERENCES charges (id),
        PRIMARY KEY (claim_id, line_number),
        UNIQUE (claim_id, charge_id)
    ) WITHOUT ROWID
    """,
    "CREATE INDEX claim_lines_by_charge ON claim_lines (charge_id, claim_id)",
    f"""
    CREATE TABLE claim_events (
        id        INTEGER PRIMARY KEY,
        claim_id  INTEGER NOT NULL REFERENCES claims (id),
        at        TEXT NOT NULL,
        state     TEXT NOT NULL CHECK (state IN {_STATES}),
        detail    TEXT NOT NULL DEFAULT '' CHECK (length(detail) <= 500)
    )
    """,
    "CREATE INDEX claim_events_by_claim ON claim_events (claim_id, id)",
    """
    CREATE TABLE x12_batches (
        id          INTEGER PRIMARY KEY CHECK (id BETWEEN 1 AND 999999999),
        payer_id    INTEGER NOT NULL REFERENCES payers (id),
        created_at  TEXT NOT NULL,
        claim_ids   TEXT NOT NULL CHECK (json_valid(claim_ids) AND json_type(claim_ids) = 'array'),
        file_name   TEXT NOT NULL CHECK (file_name <> '' AND length(file_name) <= 255),
        sha256      TEXT NOT NULL CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*')
    )
    """,
)

_TRIGGERS = (
    """
    CREATE TRIGGER claim_lines_fixed BEFORE UPDATE ON claim_lines
    BEGIN
        SELECT RAISE(ABORT, 'a claim''s lines are fixed when it is created; void it and create it again');
    END
    """,
    """
    CREATE TRIGGER claim_lines_kept BEFORE DELETE ON claim_lines
    BEGIN
        SELECT RAISE(ABORT, 'a claim''s lines are never deleted; void the claim');
    END
    """,
    """
    CREATE TRIGGER claim_events_fixed BEFORE UPDATE ON claim_events
    BEGIN
        SELECT RAISE(ABORT, 'a claim''s history is never edited');
    END
    """,
    """
    CREATE TRIGGER claim_events_kept BEFORE DELETE ON claim_events
    BEGIN
        SELECT RAISE(ABORT, 'a claim''s history is never deleted');
    END
    """,
    """
    CREATE TRIGGER claims_kept BEFORE DELETE ON claims
    BEGIN
        SELECT RAISE(ABORT, 'claims are never deleted; void the claim');
    END
    """,
    """
    CREATE TRIGGER x12_batches_fixed BEFORE UPDATE ON x12_batches
    BEGIN
        SELECT RAISE(ABORT, 'an 837P batch is never edited');
    END
    """,
    """
    CREATE TRIGGER x12_batches_kept BEFORE DELETE ON x12_batches
    BEGIN
        SELECT RAISE(ABORT, 'an 837P batch is never deleted');
    END
    """,
)

STATEMENTS: tuple[str, ...] = (*_COLUMNS, *_TABLES, *_TRIGGERS)
