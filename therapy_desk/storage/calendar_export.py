"""A date range of the schedule as an .ics calendar (domain/ics.py writes it): what the Schedule page's
"Export .ics…" and `therapy-desk schedule export-ics` both write."""

from __future__ import annotations

from datetime import date

from therapy_desk.domain.ics import Identifier, calendar_ics
from therapy_desk.storage.practice_zone import practice_zone_name
from therapy_desk.storage.vault import Vault


def schedule_ics(vault: Vault, first: date, last: date, identifier: Identifier = Identifier.INITIALS) -> str:
    """The appointments from `first` to `last` (inclusive, at most a year) in the practice's time zone,
    each client named as `identifier` says (initials by default; never a diagnosis)."""
    appointments = vault.schedule.range(first, last)
    clients = vault.clients.by_ids(sorted({a.client_id for a in appointments if a.client_id is not None}))
    units = {uid: vault.clients.unit(uid).name for uid in sorted({a.unit_id for a in appointments if a.unit_id})}
    return calendar_ics(
        appointments,
        {cid: client.listed_name for cid, client in clients.items()},
        practice_zone_name(vault.practice),
        identifier=identifier,
        unit_names=units,
        vault_id=vault.vault_id,
    )
