"""Payers and clients' insurance coverage: the part of `vault.billing` that says who pays.

A client with no coverage in force on a date is self-pay on that date.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date
from typing import Any

from therapy_desk.domain.billing import Coverage, CoverageRank, Payer, PayerKind, Relationship
from therapy_desk.domain.claims import InsuranceType
from therapy_desk.domain.clients import AdministrativeSex, Client
from therapy_desk.errors import ValidationError
from therapy_desk.storage import db
from therapy_desk.storage.audit import AuditStore
from therapy_desk.storage.rows import iso, now_utc, to_date

PAYER_FIELDS = ("name", "kind", "electronic_id", "street", "city", "state", "zip", "phone", "active")
_PAYER_SELECT = f"SELECT id, {', '.join(PAYER_FIELDS)} FROM payers"  # noqa: S608 - fixed column list

COVERAGE_FIELDS = (
    "client_id",
    "payer_id",
    "rank",
    "member_id",
    "group_number",
    "relationship",
    "subscriber_first",
    "subscriber_last",
    "subscriber_dob",
    "subscriber_sex",
    "copay_cents",
    "authorization_number",
    "authorized_visits",
    "authorization_start",
    "authorization_end",
    "start_date",
    "end_date",
    "plan_name",
    "subscriber_street",
    "subscriber_city",
    "subscriber_state",
    "subscriber_zip",
    "subscriber_phone",
    "coinsurance_percent",
    "insurance_type",
    "card_first",
    "card_last",
    "release_signed_on",
    "assignment_signed_on",
)
# The subscriber of a 'self' coverage is read from the client's own row, so it never goes stale.
_COVERAGE_SELECT = (
    f"SELECT {', '.join(f'v.{c}' for c in COVERAGE_FIELDS)}, v.id, p.name, "  # noqa: S608 - fixed column list
    "c.legal_first, c.legal_last, c.dob, c.sex "
    "FROM coverages v JOIN payers p ON p.id = v.payer_id JOIN clients c ON c.id = v.client_id"
)


def _payer_from_row(row: tuple[Any, ...]) -> Payer:
    pid, name, kind, electronic_id, street, city, state, zip_code, phone, active = row
    return Payer(name, PayerKind(kind), electronic_id, street, city, state, zip_code, phone, bool(active), pid)


def _coverage_from_row(row: tuple[Any, ...]) -> Coverage:
    (client_id, payer_id, rank, member_id, group_number, relationship, sub_first, sub_last, sub_dob, sub_sex,
     copay, auth_number, auth_visits, auth_start, auth_end, start, end, plan_name, sub_street, sub_city,
     sub_state, sub_zip, sub_phone, coinsurance, insurance_type, card_first, card_last, release_on,
     assignment_on, cid, payer_name, first, last, dob, sex) = row  # fmt: skip
    coverage = Coverage(
        client_id=client_id,
        payer_id=payer_id,
        member_id=member_id,
        start_date=date.fromisoformat(start),
        rank=CoverageRank(rank),
        relationship=Relationship(relationship),
        group_number=group_number,
        subscriber_first=sub_first,
        subscriber_last=sub_last,
        subscriber_dob=to_date(sub_dob),
        subscriber_sex=AdministrativeSex(sub_sex),
        copay_cents=copay,
        authorization_number=auth_number,
        authorized_visits=auth_visits,
        authorization_start=to_date(auth_start),
        authorization_end=to_date(auth_end),
        end_date=to_date(end),
        plan_name=plan_name,
        subscriber_street=sub_street,
        subscriber_city=sub_city,
        subscriber_state=sub_state,
        subscriber_zip=sub_zip,
        subscriber_phone=sub_phone,
        coinsurance_percent=coinsurance,
        insurance_type=InsuranceType(insurance_type),
        card_first=card_first,
        card_last=card_last,
        release_signed_on=to_date(release_on),
        assignment_signed_on=to_date(assignment_on),
        id=cid,
        payer_name=payer_name,
    )
    if coverage.relationship is Relationship.SELF:
        client = Client(first, last, date.fromisoformat(dob), sex=AdministrativeSex(sex))
        coverage = coverage.with_client_as_subscriber(client)
    return coverage


def coverage_values(coverage: Coverage) -> list[Any]:
    stored = coverage
    if coverage.relationship is Relationship.SELF:
        stored = dataclasses.replace(
            coverage,
            subscriber_first="",
            subscriber_last="",
            subscriber_dob=None,
            subscriber_sex=AdministrativeSex.UNKNOWN,
        )
    values: list[Any] = []
    for name in COVERAGE_FIELDS:
        value = getattr(stored, name)
        values.append(iso(value) if isinstance(value, date) else value)
    return values


class CoverageMixin:
    """Payers and coverage; mixed into `BillingStore`."""

    _db: db.Database
    _audit: AuditStore

    # -- payers --------------------------------------------------------------------------------

    def add_payer(self, payer: Payer) -> Payer:
        clean = payer.validated()
        now = now_utc()
        values = [getattr(clean, name) for name in PAYER_FIELDS]
        with self._db.transaction():
            cursor = self._db.execute(
                f"INSERT INTO payers ({', '.join(PAYER_FIELDS)}, created_at, updated_at) "  # noqa: S608
                f"VALUES ({', '.join('?' for _ in PAYER_FIELDS)}, ?, ?)",
                (*values, now, now),
            )
            payer_id = int(cursor.lastrowid)
            self._audit.record("payer added", entity="payer", entity_id=payer_id)
        return dataclasses.replace(clean, id=payer_id)

    def update_payer(self, payer: Payer) -> Payer:
        """Save changes to a payer (including `active=False` to hide it from new coverage)."""
        if payer.id is None:
            raise ValidationError("Only a saved payer can be updated.", "id")
        self.payer(payer.id)
        clean = payer.validated()
        values = [getattr(clean, name) for name in PAYER_FIELDS]
        with self._db.transaction():
            self._db.execute(
                f"UPDATE payers SET {', '.join(f'{n} = ?' for n in PAYER_FIELDS)}, updated_at = ? "  # noqa: S608
                "WHERE id = ?",
                (*values, now_utc(), clean.id),
            )
            self._audit.record("payer updated", entity="payer", entity_id=clean.id)
        return clean

    def payer(self, payer_id: int) -> Payer:
        row = self._db.execute(f"{_PAYER_SELECT} WHERE id = ?", (payer_id,)).fetchone()
        if row is None:
            raise ValidationError(f"There is no payer with id {payer_id}.", "payer_id")
        return _payer_from_row(row)

    def payers(self, *, include_inactive: bool = False) -> list[Payer]:
        """Payers by name (active ones only unless asked)."""
        where = "" if include_inactive else " WHERE active = 1"
        rows = self._db.execute(f"{_PAYER_SELECT}{where} ORDER BY name COLLATE NOCASE, id").fetchall()
        return [_payer_from_row(r) for r in rows]

    # -- coverage ------------------------------------------------------------------------------

    def _client_for_coverage(self, client_id: int) -> Client:
        row = self._db.execute(
            "SELECT legal_first, legal_last, dob, sex FROM clients WHERE id = ?", (client_id,)
        ).fetchone()
        if row is None:
            raise ValidationError(f"There is no client with id {client_id}.", "client_id")
        return Client(row[0], row[1], date.fromisoformat(row[2]), sex=AdministrativeSex(row[3]), id=client_id)

    def _checked_coverage(self, coverage: Coverage, today: date | None, previous: Coverage | None) -> Coverage:
        client = self._client_for_coverage(coverage.client_id)
        payer = self.payer(coverage.payer_id)
        clean = coverage.validated(client, today or date.today())
        if not payer.active and (previous is None or previous.payer_id != payer.id):
            raise ValidationError(f"{payer.name} is marked inactive; reactivate the payer first.", "payer_id")
        for other in self.coverages(coverage.client_id):
            if other.id != coverage.id and other.rank is clean.rank and other.overlaps(clean):
                raise ValidationError(
                    f"The client already has {clean.rank} coverage ({other.payer_name}) on some of those dates; "
                    "end that coverage first or change the dates.",
                    "rank",
                )
        return dataclasses.replace(clean, payer_name=payer.name)

    def add_coverage(self, coverage: Coverage, *, today: date | None = None) -> Coverage:
        """Add a policy for a client; at most one primary and one secondary in force on any date."""
        clean = self._checked_coverage(coverage, today, None)
        now = now_utc()
        with self._db.transaction():
            cursor = self._db.execute(
                f"INSERT INTO coverages ({', '.join(COVERAGE_FIELDS)}, created_at, updated_at) "  # noqa: S608
                f"VALUES ({', '.join('?' for _ in COVERAGE_FIELDS)}, ?, ?)",
                (*coverage_values(clean), now, now),
            )
            coverage_id = int(cursor.lastrowid)
            self._audit.record(
                "coverage added",
                entity="coverage",
                entity_id=coverage_id,
                detail={"client_id": clean.client_id, "payer_id": clean.payer_id},
            )
        return dataclasses.replace(clean, id=coverage_id)

    def update_coverage(self, coverage: Coverage, *, today: date | None = None) -> Coverage:
        if coverage.id is None:
            raise ValidationError("Only saved coverage can be updated.", "id")
        existing = self.coverage(coverage.id)
        if existing.client_id != coverage.client_id:
            raise ValidationError("Coverage cannot be moved to another client; add it to that client.", "client_id")
        clean = self._checked_coverage(coverage, today, existing)
        with self._db.transaction():
            self._db.execute(
                f"UPDATE coverages SET {', '.join(f'{n} = ?' for n in COVERAGE_FIELDS)}, updated_at = ? "  # noqa: S608
                "WHERE id = ?",
                (*coverage_values(clean), now_utc(), clean.id),
            )
            self._audit.record(
                "coverage updated",
                entity="coverage",
                entity_id=clean.id,
                detail={"client_id": clean.client_id, "payer_id": clean.payer_id},
            )
        return clean

    def end_coverage(self, coverage_id: int, end_date: date) -> Coverage:
        """The policy stops covering after `end_date`."""
        current = self.coverage(coverage_id)
        return self.update_coverage(dataclasses.replace(current, end_date=end_date))

    def coverage(self, coverage_id: int) -> Coverage:
        row = self._db.execute(f"{_COVERAGE_SELECT} WHERE v.id = ?", (coverage_id,)).fetchone()
        if row is None:
            raise ValidationError(f"There is no coverage with id {coverage_id}.", "coverage_id")
        return _coverage_from_row(row)

    def coverages(self, client_id: int) -> list[Coverage]:
        """All the client's policies, newest first (ended ones included)."""
        rows = self._db.execute(
            f"{_COVERAGE_SELECT} WHERE v.client_id = ? ORDER BY v.start_date DESC, v.rank, v.id", (client_id,)
        ).fetchall()
        return [_coverage_from_row(r) for r in rows]

    def coverage_for(self, client_id: int, on_date: date) -> list[Coverage]:
        """Coverage in force on `on_date`, primary first; an empty list means the client is self-pay."""
        day = on_date.isoformat()
        rows = self._db.execute(
            f"{_COVERAGE_SELECT} WHERE v.client_id = ? AND v.start_date <= ? "
            "AND (v.end_date IS NULL OR v.end_date >= ?) ORDER BY v.rank, v.id",
            (client_id, day, day),
        ).fetchall()
        return [_coverage_from_row(r) for r in rows]

    def primary_payers(self, client_ids: Sequence[int], on_date: date) -> dict[int, Payer]:
        """Each listed client's primary payer on `on_date` (self-pay clients are absent), for lists."""
        day = on_date.isoformat()
        rows = self._db.select_in(
            f"SELECT v.client_id, p.id, {', '.join(f'p.{c}' for c in PAYER_FIELDS)} "  # noqa: S608
            "FROM coverages v JOIN payers p ON p.id = v.payer_id WHERE v.client_id IN ({ids}) "
            "AND v.rank = 'primary' AND v.start_date <= ? AND (v.end_date IS NULL OR v.end_date >= ?)",
            client_ids,
            (day, day),
        )
        return {row[0]: _payer_from_row(row[1:]) for row in rows}

    def visits_used(self, coverage_id: int) -> int:
        """Dates of service with a live session charge billable to insurance while this policy covers the
        client and inside its authorization dates: what counts against this policy's authorised visits (a
        count per policy, so a new policy starts from zero)."""
        coverage = self.coverage(coverage_id)
        start = max(coverage.authorization_start or coverage.start_date, coverage.start_date)
        end = min(coverage.authorization_end or date.max, coverage.end_date or date.max)
        row = self._db.execute(
            "SELECT count(DISTINCT date_of_service) FROM charges WHERE client_id = ? AND date_of_service BETWEEN ? "
            "AND ? AND voided_at IS NULL AND billable_to_insurance = 1 AND kind = 'session'",
            (coverage.client_id, start.isoformat(), end.isoformat()),
        ).fetchone()
        return int(row[0])
