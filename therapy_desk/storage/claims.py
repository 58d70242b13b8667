"""`vault.claims`: insurance claims, their lines and history, and the 837P batches written.

A claim is created from a client's unbilled charges (live, billable to insurance, not on another live
claim) under the primary coverage in force on each date of service: one claim per client and coverage,
split so that none points to more than 12 diagnoses. Its lines never change; a claim the payer has seen
is changed by a corrected claim (frequency 7) and withdrawn by a void claim (8), each a new claim naming
the original. Whether a claim is fit to send is the scrub's to say (therapy_desk.claims.workflow), not
the store's: the store keeps states moving only the way `domain.claims.TRANSITIONS` allows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from therapy_desk.domain.claims import (
    EDITABLE_STATES,
    LIVE_STATES,
    SENT_STATES,
    Claim,
    ClaimEvent,
    ClaimState,
    ClaimSummary,
    Frequency,
    ReferringQualifier,
    check_transition,
    claim_number,
    split_by_diagnoses,
)
from therapy_desk.errors import ValidationError
from therapy_desk.storage import db
from therapy_desk.storage.audit import AuditStore
from therapy_desk.storage.rows import iso, now_utc, to_date, to_datetime

ACCEPT_ASSIGNMENT = "claims.accept_assignment"  # setting: new claims accept assignment (box 27) unless "0"
MAX_CONTROL_NUMBER = 999_999_999
_LIVE = "('" + "', '".join(sorted(LIVE_STATES)) + "')"
_FIELDS = (
    "client_id", "payer_id", "coverage_id", "state", "frequency", "original_claim_id", "original_reference",
    "payer_claim_number", "employment_related", "auto_accident", "auto_accident_state", "other_accident",
    "accident_on", "claim_codes", "illness_onset", "referring_contact_id", "referring_qualifier", "prior_authorization",
    "accept_assignment", "provider_signed_on", "denial_reason",
)  # fmt: skip
_SELECT = f"SELECT id, {', '.join(_FIELDS)}, created_at, updated_at FROM claims"  # noqa: S608 - fixed columns
_INSERT = (
    f"INSERT INTO claims ({', '.join(_FIELDS)}, created_at, updated_at) "  # noqa: S608 - fixed columns
    f"VALUES ({', '.join('?' for _ in _FIELDS)}, ?, ?)"
)
# The boxes a clinician edits on a draft or ready claim.
_EDITABLE = (
    "employment_related", "auto_accident", "auto_accident_state", "other_accident", "accident_on", "claim_codes",
    "illness_onset", "referring_contact_id", "referring_qualifier", "prior_authorization", "accept_assignment",
    "provider_signed_on", "original_reference",
)  # fmt: skip
# A charge is billed while it is a line of a live claim other than a void claim.
_BILLED = (
    "EXISTS (SELECT 1 FROM claim_lines l JOIN claims k ON k.id = l.claim_id "  # noqa: S608 - constants
    f"WHERE l.charge_id = c.id AND k.state IN {_LIVE} AND k.frequency <> '8')"
)
_SUMMARY = (
    "SELECT k.id, k.client_id, cl.legal_last || ', ' || cl.legal_first, p.name, k.state, k.frequency, "
    "sum(c.fee_cents), count(*), min(c.date_of_service), max(c.date_of_service), k.updated_at "
    "FROM claims k JOIN clients cl ON cl.id = k.client_id JOIN payers p ON p.id = k.payer_id "
    "JOIN claim_lines l ON l.claim_id = k.id JOIN charges c ON c.id = l.charge_id"
)


def _claim_from_row(row: tuple[Any, ...]) -> Claim:
    (cid, client_id, payer_id, coverage_id, state, frequency, original_id, original_ref, payer_number, employment,
     auto, auto_state, other, accident, codes, onset, referring, qualifier, authorization, accept, signed, denial,
     created, updated) = row  # fmt: skip
    return Claim(
        id=cid,
        client_id=client_id,
        payer_id=payer_id,
        coverage_id=coverage_id,
        state=ClaimState(state),
        frequency=Frequency(frequency),
        original_claim_id=original_id,
        original_reference=original_ref,
        payer_claim_number=payer_number,
        employment_related=bool(employment),
        auto_accident=bool(auto),
        auto_accident_state=auto_state,
        other_accident=bool(other),
        accident_on=to_date(accident),
        claim_codes=codes,
        illness_onset=to_date(onset),
        referring_contact_id=referring,
        referring_qualifier=ReferringQualifier(qualifier),
        prior_authorization=authorization,
        accept_assignment=bool(accept),
        provider_signed_on=to_date(signed),
        denial_reason=denial,
        created_at=to_datetime(created),
        updated_at=to_datetime(updated),
    )


def _values(claim: Claim) -> list[Any]:
    values: list[Any] = []
    for name in _FIELDS:
        value = getattr(claim, name)
        if isinstance(value, bool):
            value = int(value)
        values.append(iso(value) if isinstance(value, date) else value)
    return values


def _summary_from_row(row: tuple[Any, ...]) -> ClaimSummary:
    cid, client_id, name, payer, state, frequency, total, lines, first, last, updated = row
    return ClaimSummary(
        cid, client_id, name, payer, ClaimState(state), Frequency(frequency), int(total), int(lines),
        date.fromisoformat(first), date.fromisoformat(last), datetime.fromisoformat(updated),
    )  # fmt: skip


@dataclass(frozen=True)
class Created:
    """What `create` made, and the charges it could not bill (no primary coverage on their date)."""

    claims: list[Claim]
    not_covered: list[int]  # charge ids of clients insured at some time but not on the charge's date


@dataclass(frozen=True)
class _Unbilled:
    charge_id: int
    client_id: int
    on: date
    diagnoses: tuple[int, ...]


class ClaimStore:
    def __init__(self, database: db.Database, audit: AuditStore) -> None:
        self._db = database
        self._audit = audit

    # -- reading ---------------------------------------------------------------------------------

    def claim(self, claim_id: int) -> Claim:
        row = self._db.execute(f"{_SELECT} WHERE id = ?", (claim_id,)).fetchone()
        if row is None:
            raise ValidationError(f"There is no claim {claim_number(claim_id)}.", "claim_id")
        return _claim_from_row(row)

    def claims(
        self,
        *,
        state: ClaimState | None = None,
        client_id: int | None = None,
        payer_id: int | None = None,
        limit: int = 1000,
    ) -> list[ClaimSummary]:
        """Claims newest first, optionally of one state, client or payer."""
        where, params = [], []
        for column, value in (("k.state", state and ClaimState(state).value), ("k.client_id", client_id),
                              ("k.payer_id", payer_id)):  # fmt: skip
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self._db.execute(
            f"{_SUMMARY}{clause} GROUP BY k.id ORDER BY k.id DESC LIMIT ?", (*params, max(1, int(limit)))
        ).fetchall()
        return [_summary_from_row(r) for r in rows]

    def charge_ids(self, claim_id: int) -> list[int]:
        """The claim's charges in line order."""
        rows = self._db.execute(
            "SELECT charge_id FROM claim_lines WHERE claim_id = ? ORDER BY line_number", (claim_id,)
        ).fetchall()
        return [int(r[0]) for r in rows]

    def events(self, claim_id: int) -> list[ClaimEvent]:
        rows = self._db.execute(
            "SELECT at, state, detail FROM claim_events WHERE claim_id = ? ORDER BY id", (claim_id,)
        ).fetchall()
        return [ClaimEvent(datetime.fromisoformat(at), ClaimState(state), detail) for at, state, detail in rows]

    def claims_of_charge(self, charge_id: int) -> list[int]:
        """Ids of every claim a charge is a line of, oldest first."""
        rows = self._db.execute(
            "SELECT claim_id FROM claim_lines WHERE charge_id = ? ORDER BY claim_id", (charge_id,)
        ).fetchall()
        return [int(r[0]) for r in rows]

    def unbilled(self, date_from: date, date_to: date, *, client_id: int | None = None) -> list[int]:
        """Ids of the live charges billable to insurance with a date of service in the period that no live
        claim bills yet (missed-appointment fees are the client's own and never go on a claim)."""
        return [u.charge_id for u in self._unbilled(date_from, date_to, client_id)]

    def _unbilled(self, date_from: date, date_to: date, client_id: int | None) -> list[_Unbilled]:
        if date_to < date_from:
            raise ValidationError("The period ends before it starts.", "date_to")
        who = " AND c.client_id = ?" if client_id is not None else ""
        params: list[Any] = [date_from.isoformat(), date_to.isoformat()]
        if client_id is not None:
            params.append(client_id)
        rows = self._db.execute(
            "SELECT c.id, c.client_id, c.date_of_service, (SELECT group_concat(diagnosis_id, ' ' ORDER BY pointer) "  # noqa: S608
            "FROM charge_diagnoses d WHERE d.charge_id = c.id) FROM charges c "
            "WHERE c.date_of_service BETWEEN ? AND ? AND c.voided_at IS NULL AND c.billable_to_insurance = 1 "
            f"AND c.kind IN ('session', 'manual'){who} AND NOT {_BILLED} "
            "ORDER BY c.client_id, c.date_of_service, c.id",
            params,
        ).fetchall()
        return [
            _Unbilled(cid, client, date.fromisoformat(on), tuple(int(p) for p in (pointers or "").split()))
            for cid, client, on, pointers in rows
        ]

    # -- creating ------------------------------------------------------------------------------

    def create(self, date_from: date, date_to: date, *, client_id: int | None = None) -> Created:
        """Claims for every unbilled charge in the period (of one client, or of everyone): one per client
        and primary coverage in force on the date of service, split by 12 diagnoses, as drafts."""
        unbilled = self._unbilled(date_from, date_to, client_id)
        spans = self._primary_spans(sorted({u.client_id for u in unbilled}))
        groups: dict[tuple[int, int], list[_Unbilled]] = {}
        not_covered: list[int] = []
        for charge in unbilled:
            coverage = next(
                (cov for cov, start, end in spans.get(charge.client_id, ()) if start <= charge.on <= (end or date.max)),
                None,
            )
            if coverage is None:
                if charge.client_id in spans:  # insured at some time, not on this date (a self-pay client's
                    not_covered.append(charge.charge_id)  # charges are simply not for a claim)
            else:
                groups.setdefault((charge.client_id, coverage), []).append(charge)
        accept = self._setting(ACCEPT_ASSIGNMENT) != "0"
        made: list[Claim] = []
        with self._db.transaction():
            for (client, coverage), charges in groups.items():
                by_id = {c.charge_id: c for c in charges}
                for part in split_by_diagnoses([(c.charge_id, c.diagnoses) for c in charges]):
                    made.append(self._insert(client, coverage, [by_id[i] for i in part], accept))
        return Created(made, not_covered)

    def _primary_spans(self, client_ids: Sequence[int]) -> dict[int, list[tuple[int, date, date | None]]]:
        spans: dict[int, list[tuple[int, date, date | None]]] = {}
        sql = (
            "SELECT client_id, id, start_date, end_date FROM coverages WHERE rank = 'primary' "
            "AND client_id IN ({ids}) ORDER BY client_id, start_date"
        )
        for client, cid, start, end in self._db.select_in(sql, client_ids):
            spans.setdefault(client, []).append((cid, date.fromisoformat(start), to_date(end)))
        return spans

    def _insert(self, client_id: int, coverage_id: int, charges: list[_Unbilled], accept: bool) -> Claim:
        payer_id, authorization = self._authorization(coverage_id, charges[0].on, charges[-1].on)
        now = now_utc()
        claim = Claim(0, client_id, payer_id, coverage_id, prior_authorization=authorization, accept_assignment=accept)
        cursor = self._db.execute(_INSERT, (*_values(claim), now, now))
        claim_id = int(cursor.lastrowid)
        self._add_lines(claim_id, [c.charge_id for c in charges])
        self._event(claim_id, ClaimState.DRAFT, f"created with {len(charges)} line(s)", "claim created")
        return self.claim(claim_id)

    def _authorization(self, coverage_id: int, first: date, last: date) -> tuple[int, str]:
        """The coverage's payer, and its authorization number when it covers the claim's dates (box 23)."""
        payer_id, number, start, end = self._db.execute(
            "SELECT payer_id, authorization_number, authorization_start, authorization_end FROM coverages WHERE id = ?",
            (coverage_id,),
        ).fetchone()
        inside = (start is None or start <= first.isoformat()) and (end is None or last.isoformat() <= end)
        return int(payer_id), number if inside else ""

    def _add_lines(self, claim_id: int, charge_ids: Sequence[int]) -> None:
        for number, charge_id in enumerate(charge_ids, start=1):
            self._db.execute(
                "INSERT INTO claim_lines (claim_id, line_number, charge_id) VALUES (?, ?, ?)",
                (claim_id, number, charge_id),
            )

    def _event(self, claim_id: int, state: ClaimState, detail: str, audit_event: str) -> None:
        self._db.execute(
            "INSERT INTO claim_events (claim_id, at, state, detail) VALUES (?, ?, ?, ?)",
            (claim_id, now_utc(), state.value, detail[:500]),
        )
        self._audit.record(audit_event, entity="claim", entity_id=claim_id, detail={"state": state.value})

    def _setting(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    # -- editing and moving ----------------------------------------------------------------------

    def update(self, claim: Claim, *, today: date) -> Claim:
        """Save the boxes of a draft or ready claim; a ready claim goes back to draft (scrub it again)."""
        current = self.claim(claim.id)
        if current.state not in EDITABLE_STATES:
            raise ValidationError(
                f"Claim {current.number} is {current.state.value}: the payer has it, so change it by sending a "
                "corrected claim.",
                "state",
            )
        clean = claim.validated(today)
        if clean.referring_contact_id is not None:
            row = self._db.execute(
                "SELECT client_id FROM care_contacts WHERE id = ?", (clean.referring_contact_id,)
            ).fetchone()
            if row is None or row[0] != current.client_id:
                raise ValidationError("The referring provider must be one of the client's care contacts.", "referring")
        if current.frequency is not Frequency.ORIGINAL and not clean.original_reference:
            raise ValidationError("A corrected or void claim needs the payer's original claim number.",
                                  "original_reference")  # fmt: skip
        values = [_values(clean)[_FIELDS.index(name)] for name in _EDITABLE]
        with self._db.transaction():
            self._db.execute(
                f"UPDATE claims SET {', '.join(f'{n} = ?' for n in _EDITABLE)}, state = 'draft', updated_at = ? "  # noqa: S608
                "WHERE id = ?",
                (*values, now_utc(), claim.id),
            )
            detail = "edited" if current.state is ClaimState.DRAFT else "edited; back to draft to be checked again"
            self._event(claim.id, ClaimState.DRAFT, detail, "claim edited")
        return self.claim(claim.id)

    def move(self, claim_id: int, state: ClaimState, *, detail: str = "", payer_claim_number: str = "") -> Claim:
        """Move a claim on (marked ready by the workflow after its scrub, submitted, accepted, paid, denied
        with its reason, voided before it was sent). `payer_claim_number` records the payer's number."""
        state = ClaimState(state)
        current = self.claim(claim_id)
        check_transition(current.state, state)
        if state in (ClaimState.REPLACED,) or (state is ClaimState.VOIDED and current.state in SENT_STATES):
            raise ValidationError("Use Correct or Void: the payer has this claim.", "state")
        text = " ".join(detail.split())
        if state is ClaimState.DENIED and not text:
            raise ValidationError("Say why the payer denied the claim (the reason on the EOB or letter).", "detail")
        if len(text) > 500:
            raise ValidationError("The note is longer than 500 characters; shorten it.", "detail")
        number = replace(current, payer_claim_number=payer_claim_number).validated(date.max).payer_claim_number
        with self._db.transaction():
            self._db.execute(
                "UPDATE claims SET state = ?, denial_reason = CASE WHEN ? = 'denied' THEN ? ELSE denial_reason END, "
                "payer_claim_number = CASE WHEN ? <> '' THEN ? ELSE payer_claim_number END, updated_at = ? "
                "WHERE id = ?",
                (state.value, state.value, text, number, number, now_utc(), claim_id),
            )
            self._event(claim_id, state, text, f"claim {state.value}")
        return self.claim(claim_id)

    def correct(self, claim_id: int, *, payer_claim_number: str = "") -> Claim:
        """A corrected claim (frequency 7) replacing one the payer has: the same boxes and the original's
        charges that are still live, as a draft to edit; the original becomes replaced."""
        return self._follow_up(claim_id, Frequency.CORRECTED, payer_claim_number)

    def void(self, claim_id: int, *, payer_claim_number: str = "") -> Claim | None:
        """Withdraw a claim. Never sent: it is simply voided (None). Sent: it is voided and a void claim
        (frequency 8) with its lines is returned as a draft, to send so the payer withdraws it too."""
        current = self.claim(claim_id)
        if current.state in EDITABLE_STATES:
            self.move(claim_id, ClaimState.VOIDED, detail="voided before it was sent")
            return None
        return self._follow_up(claim_id, Frequency.VOID, payer_claim_number)

    def _follow_up(self, claim_id: int, frequency: Frequency, payer_claim_number: str) -> Claim:
        current = self.claim(claim_id)
        if current.state not in SENT_STATES:
            raise ValidationError(
                f"Claim {current.number} is {current.state.value}; only a claim the payer has is corrected or "
                "voided by a new claim.",
                "state",
            )
        reference = replace(current, payer_claim_number=payer_claim_number or current.payer_claim_number)
        reference = reference.validated(date.max)
        if not reference.payer_claim_number:
            raise ValidationError(
                "Enter the payer's claim number for this claim (on its EOB or acknowledgement): the payer finds "
                "the claim to correct or void by it.",
                "payer_claim_number",
            )
        charges = self.charge_ids(claim_id)
        live = {
            int(r[0])
            for r in self._db.select_in("SELECT id FROM charges WHERE voided_at IS NULL AND id IN ({ids})", charges)
        }
        kept = charges if frequency is Frequency.VOID else [c for c in charges if c in live]
        if not kept:
            raise ValidationError("Every charge on this claim was voided: void the claim instead.", "charges")
        gone = ClaimState.REPLACED if frequency is Frequency.CORRECTED else ClaimState.VOIDED
        check_transition(current.state, gone)
        now = now_utc()
        follow = replace(
            reference,
            state=ClaimState.DRAFT,
            frequency=frequency,
            original_claim_id=claim_id,
            original_reference=reference.payer_claim_number,
            payer_claim_number="",
            denial_reason="",
            provider_signed_on=None,
        )
        word = "corrected" if frequency is Frequency.CORRECTED else "void"
        with self._db.transaction():
            self._db.execute(
                "UPDATE claims SET state = ?, payer_claim_number = ?, updated_at = ? WHERE id = ?",
                (gone.value, reference.payer_claim_number, now, claim_id),
            )
            cursor = self._db.execute(_INSERT, (*_values(follow), now, now))
            new_id = int(cursor.lastrowid)
            self._add_lines(new_id, kept)
            self._event(claim_id, gone, f"{word} claim {claim_number(new_id)} takes its place", f"claim {gone.value}")
            self._event(new_id, ClaimState.DRAFT, f"{word} claim for {current.number}", "claim created")
        return self.claim(new_id)

    # -- 837P batches ------------------------------------------------------------------------------

    def next_control_number(self) -> int:
        """The interchange control number the next 837P file carries (one more than the last kept)."""
        number = int(self._db.execute("SELECT coalesce(max(id), 0) + 1 FROM x12_batches").fetchone()[0])
        if number > MAX_CONTROL_NUMBER:
            raise ValidationError("The 837P control numbers are used up (999,999,999 files).", "control_number")
        return number

    def record_batch(
        self, control_number: int, payer_id: int, claim_ids: Sequence[int], *, file_name: str, sha256: str
    ) -> None:
        """Keep a written 837P file and mark its claims submitted, together (call inside the transaction that
        writes the file, so a file that could not be written records nothing)."""
        with self._db.transaction():
            if control_number != self.next_control_number():
                raise ValidationError("Another 837P file was written meanwhile; export again.", "control_number")
            self._db.execute(
                "INSERT INTO x12_batches (id, payer_id, created_at, claim_ids, file_name, sha256) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (control_number, payer_id, now_utc(), json.dumps(list(claim_ids)), file_name, sha256),
            )
            for claim_id in claim_ids:
                self.move(claim_id, ClaimState.SUBMITTED, detail=f"837P file, interchange {control_number:09d}")

    def batches(self, payer_id: int | None = None) -> list[tuple[int, datetime, list[int], str]]:
        """The 837P files written (control number, when, claim ids, file name), newest first."""
        rows = self._db.execute(
            "SELECT id, created_at, claim_ids, file_name FROM x12_batches WHERE ? IS NULL OR payer_id = ? "
            "ORDER BY id DESC",
            (payer_id, payer_id),
        ).fetchall()
        return [(int(r[0]), datetime.fromisoformat(r[1]), json.loads(r[2]), r[3]) for r in rows]

    def transaction(self) -> Any:
        """One transaction around writing a claim's file and recording it."""
        return self._db.transaction()
