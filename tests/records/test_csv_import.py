"""CSV import of a caseload: every problem in a file is reported with its row and a sentence, nothing is
imported until the whole file is clean, and then everything lands in one transaction, audited with counts."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest

from therapy_desk.domain.billing import Payer
from therapy_desk.domain.clients import AdministrativeSex, Client, ClientStatus
from therapy_desk.domain.csv_import import PRESET_BY_KEY, Mapping, mapping_from_json
from therapy_desk.errors import UserError
from therapy_desk.records.csv_import import (
    MAX_ROWS,
    WINDOWS_1252,
    DryRun,
    dry_run,
    import_csv,
    parse_table,
    read_mapping,
    read_table,
)
from therapy_desk.storage.clients_import import CLIENTS_IMPORTED
from therapy_desk.storage.vault import Vault

TODAY = date(2026, 3, 2)
HEADINGS = ["First Name", "Last Name", "Date of Birth", "Sex", "Mobile Phone", "Email", "Status",
            "Diagnosis Codes", "Insurance Payer", "Member ID"]  # fmt: skip
SIMPLEPRACTICE = PRESET_BY_KEY["simplepractice"].mapping


def write_csv(path: Path, rows: Sequence[Sequence[str]], headings: Sequence[str] = HEADINGS, **kw: str) -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(headings)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(kw.get("encoding", "utf-8")))
    return path


def client_row(n: int, **changes: str) -> list[str]:
    """A valid row for client number `n`."""
    values = {
        "First Name": f"Ana{n}",
        "Last Name": f"Reyes{n}",
        "Date of Birth": "1985-04-12" if n % 2 else "04/12/1985",
        "Sex": "female" if n % 2 else "M",
        "Mobile Phone": "(555) 201-3344",
        "Email": f"client{n}@example.com",
        "Status": "Active",
        "Diagnosis Codes": "F41.1; F32.0" if n % 3 == 0 else "F43.23",
        "Insurance Payer": "Acme Health" if n % 2 else "",
        "Member ID": f"W{n:07d}" if n % 2 else "",
    }
    values.update(changes)
    return [values[h] for h in HEADINGS]


def _reasons(report: DryRun) -> list[str]:
    return [sentence for rejected in report.rejected for sentence in rejected.sentences]


def test_a_clean_file_imports_clients_diagnoses_payers_and_coverage(vault: Vault, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "caseload.csv", [client_row(1), client_row(2), client_row(3)])

    outcome = import_csv(vault, path, SIMPLEPRACTICE, today=TODAY)

    assert outcome.imported is not None
    assert (outcome.imported.clients, outcome.imported.diagnoses, outcome.imported.coverages) == (3, 4, 2)
    assert outcome.imported.payers_added == 1
    assert vault.clients.count() == 3
    by_name = {c.legal_last: c for c in vault.clients.by_ids(vault.caseload.ids()).values()}
    ana = by_name["Reyes3"]
    assert ana.dob == date(1985, 4, 12)
    assert ana.sex is AdministrativeSex.FEMALE
    assert ana.status is ClientStatus.ACTIVE
    assert ana.phone == "(555) 201-3344"
    assert ana.account_number.startswith("C")
    assert [d.code for d in vault.clients.diagnoses(ana.id or 0)] == ["F41.1", "F32.0"]
    [coverage] = vault.billing.coverages(ana.id or 0)
    assert (coverage.payer_name, coverage.member_id, coverage.start_date) == ("Acme Health", "W0000003", TODAY)
    assert by_name["Reyes2"].sex is AdministrativeSex.MALE
    assert vault.billing.coverages(by_name["Reyes2"].id or 0) == []
    assert [p.name for p in vault.billing.payers()] == ["Acme Health"]


def test_a_payer_already_in_the_vault_is_used_not_added_again(vault: Vault, tmp_path: Path) -> None:
    acme = vault.billing.add_payer(Payer("ACME  health"))
    path = write_csv(tmp_path / "caseload.csv", [client_row(1)])

    outcome = import_csv(vault, path, SIMPLEPRACTICE, today=TODAY)

    assert outcome.imported is not None
    assert outcome.imported.payers_added == 0
    assert [p.id for p in vault.billing.payers()] == [acme.id]


def test_the_import_is_one_audit_event_with_counts_and_no_names(vault: Vault, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "caseload.csv", [client_row(n) for n in range(1, 6)])

    import_csv(vault, path, SIMPLEPRACTICE, today=TODAY)

    rows = vault.db.execute("SELECT event, detail FROM audit_log WHERE event LIKE 'client%'").fetchall()
    assert [event for event, _ in rows] == [CLIENTS_IMPORTED]
    detail = json.loads(rows[0][1])
    assert detail == {"clients": 5, "diagnoses": 6, "coverages": 3, "payers_added": 1}
    assert "Reyes" not in rows[0][1]
    assert "Ana" not in rows[0][1]


def test_a_file_that_is_not_utf8_is_refused_with_how_to_save_it(vault: Vault, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "caseload.csv", [client_row(1, **{"First Name": "José"})], encoding="cp1252")

    with pytest.raises(UserError, match=r"caseload.csv is not UTF-8 text: save it .* as 'CSV UTF-8'"):
        read_table(path)


def test_a_windows_1252_file_is_read_only_when_the_user_says_so(vault: Vault, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "caseload.csv", [client_row(1, **{"First Name": "José"})], encoding="cp1252")

    outcome = import_csv(vault, path, SIMPLEPRACTICE, today=TODAY, encoding=WINDOWS_1252)

    assert outcome.imported is not None
    [client] = vault.clients.by_ids(vault.caseload.ids()).values()
    assert client.legal_first == "José"


def test_a_byte_order_mark_is_not_part_of_the_first_heading(vault: Vault, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "caseload.csv", [client_row(1)], encoding="utf-8-sig")

    assert read_table(path).headings[0] == "First Name"
    assert import_csv(vault, path, SIMPLEPRACTICE, today=TODAY).imported is not None


def test_missing_mapped_columns_are_named(vault: Vault, tmp_path: Path) -> None:
    headings = [h for h in HEADINGS if h not in ("Date of Birth", "Email")]
    rows = [[v for h, v in zip(HEADINGS, client_row(1), strict=True) if h in headings]]
    path = write_csv(tmp_path / "caseload.csv", rows, headings)

    with pytest.raises(UserError) as err:
        dry_run(vault, read_table(path), SIMPLEPRACTICE.with_column("email", "Email"), today=TODAY)

    assert "The file has no column headed “Date of Birth” (the date of birth) and “Email”" in str(err.value)
    assert vault.clients.count() == 0


def test_a_presets_optional_column_the_file_lacks_stays_blank(vault: Vault, tmp_path: Path) -> None:
    headings = [h for h in HEADINGS if h != "Email"]
    rows = [[v for h, v in zip(HEADINGS, client_row(1), strict=True) if h != "Email"]]
    path = write_csv(tmp_path / "caseload.csv", rows, headings)

    outcome = import_csv(vault, path, SIMPLEPRACTICE, today=TODAY)

    assert outcome.imported is not None
    assert outcome.imported.clients == 1
    assert "email" in [f.key for f in SIMPLEPRACTICE.unmatched(headings)]
    [client] = vault.clients.by_ids(vault.caseload.ids()).values()
    assert client.email == ""


def test_a_required_field_left_unmapped_is_named(vault: Vault, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "caseload.csv", [client_row(1)])
    mapping = SIMPLEPRACTICE.with_column("dob", "")

    with pytest.raises(UserError, match="Map the date of birth to one of the file's columns"):
        dry_run(vault, read_table(path), mapping, today=TODAY)


def test_bad_rows_are_each_reported_and_nothing_is_imported(vault: Vault, tmp_path: Path) -> None:
    rows = [client_row(n) for n in range(1, 11)]
    rows[2] = client_row(3, **{"Date of Birth": "13/45/1990"})
    rows[4] = client_row(5, **{"Sex": "sometimes"})
    rows[5] = client_row(6, **{"Diagnosis Codes": "F41.1;Q99.999"})
    rows[6] = client_row(7, **{"Mobile Phone": "12345"})
    rows[7] = client_row(8, **{"Member ID": ""})
    rows[8] = client_row(9, **{"Date of Birth": "2031-01-01"})
    path = write_csv(tmp_path / "caseload.csv", rows)

    outcome = import_csv(vault, path, SIMPLEPRACTICE, today=TODAY)

    assert outcome.imported is None
    assert _reasons(outcome.report) == [
        "Row 4: the date of birth is not a date (use YYYY-MM-DD or MM/DD/YYYY).",
        "Row 6: the sex is not one Therapy Desk knows (use F, M, U or X (or female, male, unknown); X is recorded "
        "as U, as claims carry only F, M or U).",
        "Row 7: diagnosis code 2 is not an ICD-10-CM code in force today (separate codes with ';').",
        "Row 8: a phone number needs 10 digits with the area code, like (555) 201-3344.",
        "Row 10: date of birth cannot be in the future.",
    ]
    assert "13/45/1990" not in " ".join(_reasons(outcome.report))
    assert vault.clients.count() == 0
    assert vault.billing.payers(include_inactive=True) == []
    assert outcome.report.summary().startswith("5 rows of 10 cannot be imported")


def test_even_rows_are_reported_that_have_the_payer_without_the_member_id(vault: Vault, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "caseload.csv", [client_row(1, **{"Member ID": ""}), client_row(2)])

    report = dry_run(vault, read_table(path), SIMPLEPRACTICE, today=TODAY)

    assert _reasons(report) == [
        "Row 2: the insurance payer is given without the member ID; add it, or clear the payer."
    ]


def test_a_malformed_row_in_the_middle_stops_the_whole_import_until_fixed(vault: Vault, tmp_path: Path) -> None:
    rows = [client_row(n) for n in range(1, 100)]
    rows[50] = rows[50][:4]
    path = write_csv(tmp_path / "caseload.csv", rows)

    outcome = import_csv(vault, path, SIMPLEPRACTICE, today=TODAY)

    assert outcome.imported is None
    assert _reasons(outcome.report) == [
        "Row 52: it has 4 cells where the headings have 10; check its quotes and commas."
    ]
    assert vault.clients.count() == 0

    rows[50] = client_row(51)
    write_csv(path, rows)
    fixed = import_csv(vault, path, SIMPLEPRACTICE, today=TODAY)

    assert fixed.imported is not None
    assert fixed.imported.clients == 99
    assert vault.clients.count() == 99


def test_duplicates_within_the_file_name_the_row_they_repeat(vault: Vault, tmp_path: Path) -> None:
    rows = [client_row(1), client_row(2), client_row(1, **{"First Name": "ANA1", "Date of Birth": "04/12/1985"})]
    path = write_csv(tmp_path / "caseload.csv", rows)

    report = dry_run(vault, read_table(path), SIMPLEPRACTICE, today=TODAY)

    assert _reasons(report) == ["Row 4: it duplicates row 2 (the same legal name and date of birth)."]


def test_a_client_already_in_the_vault_is_a_duplicate(vault: Vault, tmp_path: Path) -> None:
    vault.clients.create(Client("ana2", "REYES2", date(1985, 4, 12)))
    path = write_csv(tmp_path / "caseload.csv", [client_row(1), client_row(2)])

    outcome = import_csv(vault, path, SIMPLEPRACTICE, today=TODAY)

    assert outcome.imported is None
    assert _reasons(outcome.report) == [
        "Row 3: it duplicates a client already in Therapy Desk (the same legal name and date of birth)."
    ]
    assert vault.clients.count() == 1


def test_the_store_refuses_a_duplicate_that_arrived_after_the_dry_run(vault: Vault, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "caseload.csv", [client_row(1), client_row(2)])
    report = dry_run(vault, read_table(path), SIMPLEPRACTICE, today=TODAY)
    vault.clients.create(Client("Ana2", "Reyes2", date(1985, 4, 12)))

    with pytest.raises(UserError, match="Row 3 is a client already in the vault"):
        vault.clients.import_clients(report.accepted)

    assert vault.clients.count() == 1
    assert vault.billing.payers() == []


def test_an_inactive_payer_of_that_name_is_a_reason(vault: Vault, tmp_path: Path) -> None:
    acme = vault.billing.add_payer(Payer("Acme Health"))
    vault.billing.update_payer(Payer("Acme Health", active=False, id=acme.id))
    path = write_csv(tmp_path / "caseload.csv", [client_row(1)])

    report = dry_run(vault, read_table(path), SIMPLEPRACTICE, today=TODAY)

    assert _reasons(report) == [
        "Row 2: its insurance payer is marked inactive in Therapy Desk; reactivate it under Billing."
    ]


def test_status_and_sex_words_and_us_dates(vault: Vault, tmp_path: Path) -> None:
    rows = [
        client_row(1, Status="Discharged", Sex="X", **{"Date of Birth": "1/2/1970"}),
        client_row(2, Status="wait list", Sex="Unknown"),
        client_row(3, Status="", Sex=""),
    ]
    path = write_csv(tmp_path / "caseload.csv", rows)

    assert import_csv(vault, path, SIMPLEPRACTICE, today=TODAY).imported is not None

    found = {c.legal_first: c for c in vault.clients.by_ids(vault.caseload.ids()).values()}
    assert (found["Ana1"].status, found["Ana1"].sex, found["Ana1"].dob) == (
        ClientStatus.DISCHARGED, AdministrativeSex.UNKNOWN, date(1970, 1, 2),
    )  # fmt: skip
    assert found["Ana2"].status is ClientStatus.WAITLIST
    assert found["Ana3"].status is ClientStatus.ACTIVE


def test_a_therapy_desk_archive_csv_reimports_with_its_account_numbers(vault: Vault, tmp_path: Path) -> None:
    made = vault.clients.create(
        Client("Ana", "Reyes", date(1985, 4, 12), ClientStatus.ACTIVE, phone="555-201-3344", state="ny",
               intake_date=date(2024, 1, 5))
    )  # fmt: skip
    columns = [r[1] for r in vault.db.execute("PRAGMA table_info(clients)").fetchall()]
    row = vault.db.execute(f"SELECT {', '.join(columns)} FROM clients").fetchone()  # noqa: S608 - table's columns
    path = write_csv(tmp_path / "clients.csv", [["" if v is None else str(v) for v in row]], columns)
    vault.db.execute("DELETE FROM clients")

    outcome = import_csv(vault, path, PRESET_BY_KEY["therapy-desk-archive"].mapping, today=TODAY)

    assert outcome.imported is not None
    assert outcome.imported.clients == 1
    [again] = vault.clients.by_ids(vault.caseload.ids()).values()
    assert again.account_number == made.account_number
    assert (again.legal_first, again.dob, again.state, again.intake_date) == ("Ana", made.dob, "NY", made.intake_date)


def test_a_file_too_large_or_with_an_unclosed_quote_is_a_sentence(tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_text('First Name,Last Name\n"Ana,Reyes\n', "utf-8")

    with pytest.raises(UserError, match=r"Row 2 of broken\.csv cannot be read as CSV"):
        read_table(path)

    empty = tmp_path / "empty.csv"
    empty.write_text("", "utf-8")
    with pytest.raises(UserError, match=r"empty\.csv is empty"):
        read_table(empty)


@pytest.mark.parametrize(
    ("data", "sentence"),
    [
        ([], "must hold one JSON object"),
        ({"preset": "nope"}, "preset must be one of therapy-desk-archive, simplepractice and therapynotes"),
        ({"columns": {"ssn": "SSN"}}, "names a field Therapy Desk does not have"),
        ({"columns": {"dob": 5}}, "column heading for dob must be text"),
        ({"preset": "simplepractice", "extra": 1}, "may hold only “preset” and “columns”"),
    ],
)
def test_a_mapping_file_is_checked_as_hostile_input(data: object, sentence: str) -> None:
    with pytest.raises(UserError, match=sentence):
        mapping_from_json(data)


def test_columns_override_the_preset(tmp_path: Path) -> None:
    path = tmp_path / "map.json"
    path.write_text(json.dumps({"preset": "simplepractice", "columns": {"dob": "Birthday", "email": ""}}), "utf-8")

    mapping = read_mapping(path)

    assert mapping.columns["dob"] == "Birthday"
    assert "email" not in mapping.columns
    assert mapping.columns["legal_first"] == "First Name"
    assert isinstance(mapping, Mapping)


def test_ten_thousand_rows_import_with_exact_counts_in_one_transaction(vault: Vault, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "caseload.csv", [client_row(n) for n in range(1, 10_001)])
    events_before = vault.db.execute("SELECT count(*) FROM audit_log").fetchone()[0]

    outcome = import_csv(vault, path, SIMPLEPRACTICE, today=TODAY)

    assert outcome.imported is not None
    assert (outcome.imported.clients, outcome.imported.diagnoses, outcome.imported.coverages) == (10_000, 13_333, 5_000)
    assert vault.clients.count() == 10_000
    assert vault.db.execute("SELECT count(*) FROM diagnoses").fetchone()[0] == 13_333
    assert vault.db.execute("SELECT count(*) FROM coverages").fetchone()[0] == 5_000
    assert vault.db.execute("SELECT count(*) FROM audit_log").fetchone()[0] == events_before + 1
    assert len(set(vault.db.execute("SELECT account_number FROM clients").fetchall())) == 10_000
    assert len(vault.caseload.ids(text="reyes9999")) == 1


def test_more_rows_than_the_limit_is_a_sentence_before_anything_is_checked() -> None:
    text = "First Name,Last Name\n" + "a,b\n" * (MAX_ROWS + 1)

    with pytest.raises(UserError, match=r"big\.csv has more than 100,000 rows; split it into smaller files"):
        parse_table("big.csv", text)


def test_a_field_longer_than_the_limit_is_a_reason_without_its_value(vault: Vault, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "caseload.csv", [client_row(1, **{"Last Name": "x" * 201}), client_row(2)])

    report = dry_run(vault, read_table(path), SIMPLEPRACTICE, today=TODAY)

    assert _reasons(report) == ["Row 2: the legal last name is longer than 200 characters."]


def test_a_generated_account_number_never_takes_one_a_later_row_brings(vault: Vault, tmp_path: Path) -> None:
    headings = [*HEADINGS, "Account"]
    rows = [[*client_row(1), ""], [*client_row(2), "C000001"]]
    path = write_csv(tmp_path / "caseload.csv", rows, headings)

    outcome = import_csv(vault, path, SIMPLEPRACTICE.with_column("account_number", "Account"), today=TODAY)

    assert outcome.imported is not None
    accounts = {c.legal_first: c.account_number for c in vault.clients.by_ids(vault.caseload.ids()).values()}
    assert accounts == {"Ana1": "C000001-2", "Ana2": "C000001"}
