"""`vault.clients`: clients, units, care contacts, releases of information and diagnoses."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any

from therapy_desk.domain import validation as v
from therapy_desk.domain.clients import (
    AdministrativeSex,
    CareContact,
    Client,
    ClientStatus,
    ContactRole,
    Diagnosis,
    Release,
    Unit,
    UnitKind,
    UnitMember,
    sort_key,
)
from therapy_desk.domain.icd10cm import code_set
from therapy_desk.errors import ValidationError
from therapy_desk.storage import db
from therapy_desk.storage.audit import AuditStore
from therapy_desk.storage.clients_import import ClientImportMixin
from therapy_desk.storage.clients_rows import EDITABLE as _EDITABLE
from therapy_desk.storage.clients_rows import editable_values as _editable_values
from therapy_desk.storage.rows import iso, now_utc, to_date

_CLIENT_COLUMNS = (
    "id, account_number, status, legal_first, legal_middle, legal_last, preferred_name, pronouns, dob, sex, "
    "street, city, state, zip, phone, email, emergency_name, emergency_phone, emergency_relationship, "
    "referral_source, intake_date, discharge_date"
)
_CLIENT_SELECT = f"SELECT {_CLIENT_COLUMNS} FROM clients"  # noqa: S608 - fixed column list
_UPDATE = f"UPDATE clients SET {', '.join(f'{c} = ?' for c in _EDITABLE)}, sort_name = ?, updated_at = ? WHERE id = ?"  # noqa: S608


def _client_from_row(row: tuple[Any, ...]) -> Client:
    (cid, account, status, first, middle, last, preferred, pronouns, dob, sex, street, city, state, zip_code,
     phone, email, em_name, em_phone, em_rel, referral, intake, discharge) = row  # fmt: skip
    return Client(
        id=cid,
        account_number=account,
        status=ClientStatus(status),
        legal_first=first,
        legal_middle=middle,
        legal_last=last,
        preferred_name=preferred,
        pronouns=pronouns,
        dob=date.fromisoformat(dob),
        sex=AdministrativeSex(sex),
        street=street,
        city=city,
        state=state,
        zip=zip_code,
        phone=phone,
        email=email,
        emergency_name=em_name,
        emergency_phone=em_phone,
        emergency_relationship=em_rel,
        referral_source=referral,
        intake_date=to_date(intake),
        discharge_date=to_date(discharge),
    )


class ClientStore(ClientImportMixin):
    def __init__(self, database: db.Database, audit: AuditStore) -> None:
        self._db = database
        self._audit = audit

    # -- clients -------------------------------------------------------------------------------

    def create(self, client: Client, *, today: date | None = None) -> Client:
        """Add a client; returns it with its id and account number."""
        clean = client.validated(today or date.today())
        now = now_utc()
        with self._db.transaction():
            account = clean.account_number.strip()
            if not account:
                next_id = self._db.next_id("clients")
                account = f"C{next_id:06d}"
            elif self._db.execute("SELECT 1 FROM clients WHERE account_number = ?", (account,)).fetchone():
                raise ValidationError(f"Account number {account} is already used by another client.", "account_number")
            cursor = self._db.execute(
                f"INSERT INTO clients ({', '.join(_EDITABLE)}, account_number, sort_name, created_at, updated_at) "  # noqa: S608
                f"VALUES ({', '.join('?' for _ in _EDITABLE)}, ?, ?, ?, ?)",
                (*_editable_values(clean), account, sort_key(clean.legal_last, clean.legal_first), now, now),
            )
            client_id = int(cursor.lastrowid)
            self._audit.record("client created", entity="client", entity_id=client_id)
        return dataclasses.replace(clean, id=client_id, account_number=account)

    def get(self, client_id: int) -> Client:
        row = self._db.execute(f"{_CLIENT_SELECT} WHERE id = ?", (client_id,)).fetchone()
        if row is None:
            raise ValidationError(f"There is no client with id {client_id}.", "client_id")
        return _client_from_row(row)

    def update(self, client: Client, *, today: date | None = None) -> Client:
        if client.id is None:
            raise ValidationError("Only a saved client can be updated.", "id")
        self.get(client.id)
        clean = client.validated(today or date.today())
        with self._db.transaction():
            self._db.execute(
                _UPDATE, (*_editable_values(clean), sort_key(clean.legal_last, clean.legal_first), now_utc(), clean.id)
            )
            self._audit.record("client updated", entity="client", entity_id=clean.id)
        return clean

    def set_status(self, client_id: int, status: ClientStatus, *, on: date | None = None) -> Client:
        """Change status; discharging records the discharge date (today unless given)."""
        client = self.get(client_id)
        changes: dict[str, Any] = {"status": status}
        if status is ClientStatus.DISCHARGED:
            changes["discharge_date"] = on or date.today()
        elif status is ClientStatus.ACTIVE:
            changes["discharge_date"] = None
            if client.intake_date is None:
                changes["intake_date"] = on or date.today()
        return self.update(dataclasses.replace(client, **changes), today=max(on or date.today(), date.today()))

    def count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM clients").fetchone()[0])

    def by_ids(self, client_ids: list[int]) -> dict[int, Client]:
        """Several clients at once (for views that hold ids and fetch rows on demand)."""
        rows = self._db.select_in(f"{_CLIENT_SELECT} WHERE id IN ({{ids}})", client_ids)
        return {row[0]: _client_from_row(row) for row in rows}

    def require(self, client_id: int) -> None:
        """Raise `ValidationError` unless the client exists."""
        if not self._db.execute("SELECT 1 FROM clients WHERE id = ?", (client_id,)).fetchone():
            raise ValidationError(f"There is no client with id {client_id}.", "client_id")

    # -- units ---------------------------------------------------------------------------------

    def create_unit(self, unit: Unit) -> Unit:
        """A couple, family or group seen together; exactly one member of a couple or family is identified."""
        name = v.check_required(unit.name, "name", "The unit's name")
        members = self._checked_members(unit)
        with self._db.transaction():
            cursor = self._db.execute(
                "INSERT INTO units (kind, name, active, created_at) VALUES (?, ?, 1, ?)",
                (UnitKind(unit.kind).value, name, now_utc()),
            )
            unit_id = int(cursor.lastrowid)
            self._write_members(unit_id, members)
            self._audit.record("unit created", entity="unit", entity_id=unit_id, detail={"members": len(members)})
        return dataclasses.replace(unit, id=unit_id, name=name, members=members)

    def set_unit_members(self, unit_id: int, members: tuple[UnitMember, ...]) -> Unit:
        unit = self.unit(unit_id)
        checked = self._checked_members(dataclasses.replace(unit, members=members))
        with self._db.transaction():
            self._db.execute("DELETE FROM unit_members WHERE unit_id = ?", (unit_id,))
            self._write_members(unit_id, checked)
            self._audit.record("unit members changed", entity="unit", entity_id=unit_id)
        return dataclasses.replace(unit, members=checked)

    def _checked_members(self, unit: Unit) -> tuple[UnitMember, ...]:
        ids = [m.client_id for m in unit.members]
        if len(set(ids)) != len(ids):
            raise ValidationError("A client can be listed only once in a unit.", "members")
        minimum = 2 if unit.kind in (UnitKind.COUPLE, UnitKind.FAMILY) else 1
        if len(ids) < minimum:
            raise ValidationError(f"A {unit.kind} needs at least {minimum} members.", "members")
        for client_id in ids:
            self.require(client_id)
        identified = [m for m in unit.members if m.identified]
        if unit.kind is not UnitKind.GROUP and len(identified) != 1:
            raise ValidationError(f"Mark exactly one member of the {unit.kind} as the identified client.", "members")
        return tuple(unit.members)

    def _write_members(self, unit_id: int, members: tuple[UnitMember, ...]) -> None:
        for member in members:
            self._db.execute(
                "INSERT INTO unit_members (unit_id, client_id, role, identified) VALUES (?, ?, ?, ?)",
                (unit_id, member.client_id, member.role.strip(), int(member.identified)),
            )

    def unit(self, unit_id: int) -> Unit:
        row = self._db.execute("SELECT id, kind, name, active FROM units WHERE id = ?", (unit_id,)).fetchone()
        if row is None:
            raise ValidationError(f"There is no couple, family or group with id {unit_id}.", "unit_id")
        members = self._db.execute(
            "SELECT client_id, role, identified FROM unit_members WHERE unit_id = ? ORDER BY identified DESC, rowid",
            (unit_id,),
        ).fetchall()
        return Unit(
            id=row[0],
            kind=UnitKind(row[1]),
            name=row[2],
            active=bool(row[3]),
            members=tuple(UnitMember(m[0], m[1], bool(m[2])) for m in members),
        )

    def units_for(self, client_id: int) -> list[Unit]:
        rows = self._db.execute("SELECT unit_id FROM unit_members WHERE client_id = ?", (client_id,)).fetchall()
        return [self.unit(r[0]) for r in rows]

    def set_unit_active(self, unit_id: int, active: bool) -> None:
        self.unit(unit_id)
        with self._db.transaction():
            self._db.execute("UPDATE units SET active = ? WHERE id = ?", (int(active), unit_id))
            self._audit.record("unit updated", entity="unit", entity_id=unit_id, detail={"active": active})

    # -- care contacts -------------------------------------------------------------------------

    def save_contact(self, contact: CareContact) -> CareContact:
        """Add (no id) or update a care-coordination contact."""
        self.require(contact.client_id)
        clean = dataclasses.replace(
            contact,
            role=ContactRole(contact.role),
            name=v.check_required(contact.name, "name", "The contact's name"),
            organization=contact.organization.strip(),
            phone=v.check_phone(contact.phone) if contact.phone.strip() else "",
            fax=v.check_phone(contact.fax, "fax") if contact.fax.strip() else "",
            email=v.check_email(contact.email) if contact.email.strip() else "",
            notes=contact.notes.strip(),
            npi=v.check_npi(contact.npi) if contact.npi.strip() else "",
        )
        values = (clean.role.value, clean.name, clean.organization, clean.phone, clean.fax, clean.email, clean.notes,
                  clean.npi)  # fmt: skip
        with self._db.transaction():
            if clean.id is None:
                cursor = self._db.execute(
                    "INSERT INTO care_contacts (role, name, organization, phone, fax, email, notes, npi, client_id) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (*values, clean.client_id),
                )
                clean = dataclasses.replace(clean, id=int(cursor.lastrowid))
                event = "contact created"
            else:
                updated = self._db.execute(
                    "UPDATE care_contacts SET role = ?, name = ?, organization = ?, phone = ?, fax = ?, email = ?, "
                    "notes = ?, npi = ? WHERE id = ? AND client_id = ?",
                    (*values, clean.id, clean.client_id),
                )
                if updated.rowcount != 1:
                    raise ValidationError("That contact does not belong to this client.", "id")
                event = "contact updated"
            self._audit.record(event, entity="care_contact", entity_id=clean.id)
        return clean

    def contacts(self, client_id: int) -> list[CareContact]:
        rows = self._db.execute(
            "SELECT client_id, role, name, organization, phone, fax, email, notes, id, npi FROM care_contacts "
            "WHERE client_id = ? ORDER BY role, name",
            (client_id,),
        ).fetchall()
        return [CareContact(r[0], ContactRole(r[1]), *r[2:]) for r in rows]

    # -- releases of information ---------------------------------------------------------------

    def add_release(self, release: Release) -> Release:
        self.require(release.client_id)
        recipient = v.check_required(release.recipient, "recipient", "The recipient")
        scope = v.check_required(release.scope, "scope", "What may be shared")
        purpose = v.check_required(release.purpose, "purpose", "The purpose")
        v.check_order(release.signed_on, release.expires_on, "expires_on", "The expiry date", "the signing date")
        if release.contact_id is not None:
            row = self._db.execute("SELECT client_id FROM care_contacts WHERE id = ?", (release.contact_id,)).fetchone()
            if row is None or row[0] != release.client_id:
                raise ValidationError("That contact does not belong to this client.", "contact_id")
        with self._db.transaction():
            cursor = self._db.execute(
                "INSERT INTO releases (client_id, contact_id, recipient, scope, purpose, signed_on, expires_on, "
                "covers_psychotherapy_notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    release.client_id,
                    release.contact_id,
                    recipient,
                    scope,
                    purpose,
                    iso(release.signed_on),
                    iso(release.expires_on),
                    int(release.covers_psychotherapy_notes),
                ),
            )
            release_id = int(cursor.lastrowid)
            self._audit.record("release created", entity="release", entity_id=release_id)
        return dataclasses.replace(
            release, id=release_id, recipient=recipient, scope=scope, purpose=purpose, revoked_on=None
        )

    def revoke_release(self, release_id: int, on: date) -> Release:
        release = self._release(release_id)
        if release.revoked_on is not None:
            raise ValidationError("This release was already revoked.", "revoked_on")
        v.check_order(release.signed_on, on, "revoked_on", "The revocation date", "the signing date")
        with self._db.transaction():
            self._db.execute("UPDATE releases SET revoked_on = ? WHERE id = ?", (iso(on), release_id))
            self._audit.record("release revoked", entity="release", entity_id=release_id)
        return dataclasses.replace(release, revoked_on=on)

    _RELEASE_SELECT = (
        "SELECT client_id, recipient, scope, purpose, signed_on, expires_on, revoked_on, "
        "covers_psychotherapy_notes, contact_id, id FROM releases"
    )

    @staticmethod
    def _release_from_row(r: tuple[Any, ...]) -> Release:
        return Release(
            r[0], r[1], r[2], r[3], date.fromisoformat(r[4]), to_date(r[5]), to_date(r[6]), bool(r[7]), r[8], r[9]
        )

    def _release(self, release_id: int) -> Release:
        row = self._db.execute(f"{self._RELEASE_SELECT} WHERE id = ?", (release_id,)).fetchone()
        if row is None:
            raise ValidationError(f"There is no release with id {release_id}.", "release_id")
        return self._release_from_row(row)

    def releases(self, client_id: int) -> list[Release]:
        rows = self._db.execute(
            f"{self._RELEASE_SELECT} WHERE client_id = ? ORDER BY signed_on DESC, id DESC", (client_id,)
        ).fetchall()
        return [self._release_from_row(r) for r in rows]

    def expiring_releases(self, on: date, within_days: int = 30) -> list[Release]:
        """Unrevoked releases that expire between `on` and `within_days` later (for the Today view)."""
        rows = self._db.execute(
            f"{self._RELEASE_SELECT} WHERE revoked_on IS NULL AND expires_on BETWEEN ? AND ? ORDER BY expires_on",
            (iso(on), iso(on + timedelta(days=within_days))),
        ).fetchall()
        return [self._release_from_row(r) for r in rows]

    # -- diagnoses -----------------------------------------------------------------------------

    def add_diagnosis(
        self,
        client_id: int,
        code: str,
        *,
        rank: int | None = None,
        for_claims: bool = True,
        onset: date | None = None,
        today: date | None = None,
    ) -> Diagnosis:
        """Add an ICD-10-CM diagnosis. Codes marked for claims must be billable (leaf) codes.

        `rank` 1 makes it principal; the others move down. Without `rank` it goes last.
        """
        self.require(client_id)
        entry = code_set().require(code, billable=for_claims)
        v.check_not_future(onset, today or date.today(), "onset", "The onset date")
        active = self.diagnoses(client_id)
        if any(d.code == entry.code for d in active):
            raise ValidationError(f"{entry.code} is already on this client's diagnosis list.", "code")
        position = len(active) + 1 if rank is None else max(1, min(rank, len(active) + 1))
        with self._db.transaction():
            self._db.execute(
                "UPDATE diagnoses SET rank = rank + 1 WHERE client_id = ? AND resolved IS NULL AND rank >= ?",
                (client_id, position),
            )
            cursor = self._db.execute(
                "INSERT INTO diagnoses (client_id, code, description, rank, for_claims, onset, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (client_id, entry.code, entry.description, position, int(for_claims), iso(onset), now_utc()),
            )
            diagnosis_id = int(cursor.lastrowid)
            self._audit.record("diagnosis added", entity="diagnosis", entity_id=diagnosis_id)
        return Diagnosis(client_id, entry.code, entry.description, position, for_claims, onset, None, diagnosis_id)

    def set_diagnosis_order(self, client_id: int, diagnosis_ids: list[int]) -> list[Diagnosis]:
        """Re-rank the active diagnoses; the first id becomes principal."""
        active = {d.id for d in self.diagnoses(client_id)}
        if set(diagnosis_ids) != active or len(diagnosis_ids) != len(active):
            raise ValidationError("List every active diagnosis exactly once to reorder them.", "rank")
        with self._db.transaction():
            for rank, diagnosis_id in enumerate(diagnosis_ids, start=1):
                self._db.execute("UPDATE diagnoses SET rank = ? WHERE id = ?", (rank, diagnosis_id))
            self._audit.record("diagnoses reordered", entity="client", entity_id=client_id)
        return self.diagnoses(client_id)

    def resolve_diagnosis(self, diagnosis_id: int, on: date) -> None:
        row = self._db.execute(
            "SELECT client_id, onset, resolved FROM diagnoses WHERE id = ?", (diagnosis_id,)
        ).fetchone()
        if row is None:
            raise ValidationError(f"There is no diagnosis with id {diagnosis_id}.", "diagnosis_id")
        if row[2] is not None:
            raise ValidationError("This diagnosis is already resolved.", "resolved")
        v.check_order(to_date(row[1]), on, "resolved", "The resolved date", "the onset date")
        with self._db.transaction():
            self._db.execute("UPDATE diagnoses SET resolved = ?, rank = 999 WHERE id = ?", (iso(on), diagnosis_id))
            remaining = self._db.execute(
                "SELECT id FROM diagnoses WHERE client_id = ? AND resolved IS NULL ORDER BY rank", (row[0],)
            ).fetchall()
            for rank, (other_id,) in enumerate(remaining, start=1):
                self._db.execute("UPDATE diagnoses SET rank = ? WHERE id = ?", (rank, other_id))
            self._audit.record("diagnosis resolved", entity="diagnosis", entity_id=diagnosis_id)

    def diagnoses(self, client_id: int, *, include_resolved: bool = False) -> list[Diagnosis]:
        """Active diagnoses by rank (principal first), then resolved ones if asked."""
        rows = self._db.execute(
            "SELECT client_id, code, description, rank, for_claims, onset, resolved, id FROM diagnoses "
            "WHERE client_id = ? AND (resolved IS NULL OR ?) ORDER BY resolved IS NOT NULL, rank, id",
            (client_id, int(include_resolved)),
        ).fetchall()
        return [Diagnosis(r[0], r[1], r[2], r[3], bool(r[4]), to_date(r[5]), to_date(r[6]), r[7]) for r in rows]

    def principal_diagnoses(self, client_ids: list[int]) -> dict[int, Diagnosis]:
        """Each client's principal (rank 1) active diagnosis, for lists."""
        rows = self._db.select_in(
            "SELECT client_id, code, description, rank, for_claims, onset, resolved, id FROM diagnoses "
            "WHERE client_id IN ({ids}) AND resolved IS NULL AND rank = 1",
            client_ids,
        )
        return {r[0]: Diagnosis(r[0], r[1], r[2], r[3], bool(r[4]), to_date(r[5]), None, r[7]) for r in rows}
