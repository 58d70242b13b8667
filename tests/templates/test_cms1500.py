"""The CMS-1500 (02/12) read back box by box: the text inside each box's rectangle on the page, as a payer's
scanner would see it (pypdfium2's text in a rectangle)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pypdfium2
import pytest

from tests.claims.forms import PATIENT, sample_form, sample_line
from therapy_desk.domain.claims import (
    Address,
    ClaimForm,
    Diagnosis,
    Frequency,
    OtherInsurance,
    Person,
    Provider,
    Referring,
    ReferringQualifier,
)
from therapy_desk.templates.cms1500 import (
    PLAIN_GRID,
    RED_GRID,
    render_alignment_page,
    render_cms1500,
    render_cms1500_red,
)
from therapy_desk.templates.cms1500_layout import BOX, Box, Grid, diagnosis_box, grid_cell, row_box

PRINTED = date(2026, 3, 20)


class Form:
    """One rendered PDF, read box by box."""

    def __init__(self, pdf: bytes, grid: Grid = PLAIN_GRID) -> None:
        self.pdf = pdf
        self.grid = grid
        self.document = pypdfium2.PdfDocument(pdf)

    @property
    def page_count(self) -> int:
        return len(self.document)

    def text(self, page: int = 0) -> str:
        return " ".join(self.document[page].get_textpage().get_text_range().split())

    def read(self, box: Box, page: int = 0) -> str:
        textpage = self.document[page].get_textpage()
        return " ".join(textpage.get_text_bounded(*self.grid.rect(box)).split())

    def box(self, number: str, page: int = 0) -> str:
        return self.read(BOX[number], page)

    def cell(self, row: int, column: str, page: int = 0) -> str:
        return self.read(row_box(row, column), page)

    def ticked(self, line: int, col: int, page: int = 0) -> bool:
        return self.read(grid_cell(line, col), page) == "X"


def plain(form: ClaimForm) -> Form:
    return Form(render_cms1500(form, printed_on=PRINTED))


def test_each_box_carries_the_claims_value() -> None:
    out = plain(sample_form())

    assert "PRAIRIE HEALTH PLAN PO BOX 100 CHICAGO, IL 60601" in out.box("carrier")
    assert out.ticked(8, 31)  # 1: group health plan
    assert not out.ticked(8, 1)
    assert out.box("1a").endswith("XYZ123456789")
    assert out.box("2").endswith("OKAFOR, CHIDI A")
    assert "04 12 1988" in out.box("3")
    assert out.ticked(10, 42)
    assert not out.ticked(10, 47)
    assert out.box("4").endswith("OKAFOR, CHIDI A")
    assert out.box("5").endswith("15 ELM COURT")
    assert out.box("5city").endswith("SPRINGFIELD")
    assert out.box("5state").endswith("IL")
    assert out.box("5zip").endswith("62702")
    assert out.box("5phone").endswith("217 555-0199")
    assert out.ticked(12, 33)  # 6: self
    assert out.box("11").endswith("GRP-77")
    assert "04 12 1988" in out.box("11a")
    assert out.box("11c").endswith("GOLD PPO")
    assert out.ticked(26, 57)
    assert not out.ticked(26, 52)
    assert all(out.ticked(line, 41) for line in (20, 22, 24))  # 10a-c: no
    assert "SIGNATURE ON FILE 01 05 2026" in out.box("12")
    assert "SIGNATURE ON FILE 01 05 2026" in out.box("13")
    assert out.box("25").endswith("12-3456789 X")
    assert out.ticked(56, 19)
    assert out.box("26").endswith("A-0001")
    assert out.ticked(56, 38)  # 27: accepts assignment
    assert out.box("28").endswith("300 00")
    assert out.box("29") == "29 Amount paid"  # nothing paid: left blank
    assert out.box("31").endswith("ANA RIVERA, LCSW 03 12 2026")
    assert "1234567893 ZZ1041C0700X" in out.box("33")
    assert "217 555-0142 ANA RIVERA, LCSW 200 MAIN STREET SUITE 4 SPRINGFIELD, IL 62704-1234" in out.box("33")
    assert out.box("32") == "32 Service facility location"  # at the billing provider's address
    assert "Page 1 of 1" in out.text()


def test_diagnoses_sit_beside_their_letters_with_the_icd_10_indicator() -> None:
    codes = ("F41.1", "F32.1", "F43.10", "Z63.0", "F90.0")
    out = plain(sample_form(diagnoses=tuple(Diagnosis(code) for code in codes)))

    for index, code in enumerate(codes):
        # pdfium adds no space after a line's last letter ("D.Z63.0"): the code sits in its letter's cell.
        assert out.read(diagnosis_box(index)).replace(" ", "") == f"{'ABCDE'[index]}.{code}"
    assert out.read(diagnosis_box(5)) == "F."
    assert out.read(grid_cell(37, 42)) == "0"  # ICD-10-CM


def test_each_service_line_shows_its_date_code_pointers_and_charge() -> None:
    lines = (
        sample_line(date(2026, 3, 4), charge_id=1),
        sample_line(
            date(2026, 3, 11), "90834", 12_550, charge_id=2, pointers=(2, 1), modifiers=("95", "GT", "AJ", "59")
        ),
    )
    out = plain(sample_form(lines=lines, amount_paid_cents=4_000))

    assert out.cell(1, "24A") == "03 04 26 03 04 26"
    assert out.cell(1, "24B") == "11"
    assert out.cell(1, "24D") == "90837"
    assert out.cell(1, "24E") == "A"
    assert out.cell(1, "24F") == "150 00"
    assert out.cell(1, "24G") == "1"
    assert out.cell(2, "24A") == "03 11 26 03 11 26"
    assert out.cell(2, "24D") == "90834 95 GT AJ 59"
    assert out.cell(2, "24E") == "BA"
    assert out.cell(2, "24F") == "125 50"
    assert out.cell(3, "24D") == ""
    assert out.cell(1, "24J") == ""  # billed by the clinician: no rendering NPI per line
    assert out.box("28").endswith("275 50")
    assert out.box("29").endswith("40 00")


def test_seven_lines_print_on_two_forms_each_totalled() -> None:
    lines = tuple(
        sample_line(date(2026, 1, 5) + timedelta(weeks=week), fee_cents=10_000 + 100 * week, charge_id=week + 1)
        for week in range(7)
    )
    out = plain(sample_form(lines=lines, amount_paid_cents=2_500))

    assert out.page_count == 2
    assert "Page 1 of 2" in out.text(0)
    assert "Page 2 of 2" in out.text(1)
    assert out.box("28", page=0).endswith("615 00")  # 100 + 101 + ... + 105
    assert out.box("28", page=1).endswith("106 00")
    assert out.box("29", page=0) == "29 Amount paid"
    assert out.box("29", page=1).endswith("25 00")
    assert out.cell(6, "24A", page=0) == "02 09 26 02 09 26"
    assert out.cell(1, "24A", page=1) == "02 16 26 02 16 26"
    assert out.cell(2, "24A", page=1) == ""
    assert out.box("2", page=1).endswith("OKAFOR, CHIDI A")  # each form stands alone
    assert "CONTINUED" not in out.text(0)


def test_a_corrected_claim_shows_code_7_and_the_original_reference() -> None:
    out = plain(sample_form(frequency=Frequency.CORRECTED, original_reference="PAYER-998877"))
    assert out.box("22").endswith("7 PAYER-998877")

    original = plain(sample_form())
    assert original.box("22") == "22 Resubmission code / original ref. no."


def test_an_accidents_date_goes_in_box_15_with_qualifier_439() -> None:
    out = plain(sample_form(other_accident=True, accident_date=date(2026, 1, 30)))
    assert out.box("15").endswith("439 01 30 2026")
    assert plain(sample_form()).box("15") == "15 Other date"


def test_billing_as_a_group_names_the_rendering_npi_on_each_line() -> None:
    group = Provider(
        "Riverside Counseling Group", npi="1245319599", organization=True, taxonomy="261QM0801X",
        address=Address("9 Oak Street", "Springfield", "IL", "62701-0009"), phone="(217) 555-0100",
    )  # fmt: skip
    out = plain(sample_form(billing=group))

    assert out.cell(1, "24I") == "NPI"
    assert out.cell(2, "24I") == "NPI"
    assert out.cell(1, "24J") == "1234567893"
    assert out.cell(2, "24J") == "1234567893"
    assert out.cell(3, "24J") == ""
    assert "RIVERSIDE COUNSELING GROUP" in out.box("33")
    assert "1245319599 ZZ261QM0801X" in out.box("33")
    assert out.box("31").startswith("31 Signature of physician or supplier ANA RIVERA, LCSW")


def test_other_insurance_referral_onset_authorization_and_facility_fill_their_boxes() -> None:
    spouse = Person("Okafor", "Ngozi", dob=date(1986, 9, 2), sex="F")
    facility = Provider(
        "Lakeside Clinic",
        npi="1679576722",
        organization=True,
        address=Address("1 Lake Road", "Springfield", "IL", "62703"),
    )
    out = plain(
        sample_form(
            other_insurance=OtherInsurance(spouse, "OTH555", "G-1", "Silver HMO", "Lakeside Health"),
            referring=Referring(ReferringQualifier.REFERRING, "Haddad", "Leila", "1982736450"),
            illness_onset=date(2025, 12, 1),
            prior_authorization="AUTH-4411",
            facility=facility,
            auto_accident=True,
            auto_accident_state="IN",
        )
    )

    assert out.box("9").endswith("OKAFOR, NGOZI")
    assert out.box("9a").endswith("OTH555")
    assert out.box("9d").endswith("SILVER HMO")
    assert out.ticked(26, 52)  # 11d: yes
    assert out.ticked(22, 35)
    assert "IN" in out.box("10b")
    assert out.box("14").endswith("12 01 2025 431")
    assert out.box("17").endswith("DN HADDAD, LEILA")
    assert out.box("17ab").endswith("1982736450")
    assert out.box("23").endswith("AUTH-4411")
    assert out.box("32").endswith("LAKESIDE CLINIC 1 LAKE ROAD SPRINGFIELD, IL 62703 1679576722")


def test_signatures_without_a_date_on_file_are_left_blank() -> None:
    out = plain(sample_form(release_signed_on=None, assignment_signed_on=None, provider_signed_on=None))

    assert "SIGNATURE" not in out.box("12")
    assert "SIGNATURE" not in out.box("13")
    assert out.box("31").endswith("03 20 2026")  # the day it was printed


@pytest.mark.parametrize(
    ("last", "first"),
    [
        ("Nguyễn", "Thị Ánh"),
        ("王", "秀英"),
        ("Παπαδοπούλου", "Ελένη"),
        ("Wolfeschlegelsteinhausenbergerdorff", "Hubert"),
    ],
)
def test_a_name_in_any_script_or_of_any_length_prints_whole(last: str, first: str) -> None:
    patient = replace(PATIENT, last=last, first=first, middle="")
    expected = f"{last}, {first}".upper()
    form = sample_form(patient=patient, insured=patient)

    assert plain(form).box("2").endswith(expected)
    assert expected in Form(render_cms1500_red(form, printed_on=PRINTED), RED_GRID).text()


def test_the_metadata_names_the_form_never_the_patient() -> None:
    document = pypdfium2.PdfDocument(render_cms1500(sample_form(), printed_on=PRINTED))
    metadata = " ".join(str(value) for value in document.get_metadata_dict().values()).upper()

    assert "CMS-1500" in metadata
    assert "OKAFOR" not in metadata
    assert "CHIDI" not in metadata
    assert "XYZ123456789" not in metadata


def test_the_red_form_variant_prints_values_only_where_the_red_form_has_them() -> None:
    pdf = render_cms1500_red(sample_form(), printed_on=PRINTED)
    out = Form(pdf, RED_GRID)

    assert "Insured's" not in out.text()
    assert "Patient's" not in out.text()
    assert out.box("1a") == "XYZ123456789"
    assert out.box("2") == "OKAFOR, CHIDI A"
    assert out.read(diagnosis_box(0)) == "F41.1"
    assert out.cell(1, "24A") == "03 04 26 03 04 26"
    assert out.cell(2, "24E") == "AB"
    assert out.box("28") == "300 00"
    assert "1234567893" in out.box("33")
    assert "PAGE" not in out.text()  # one form: no page mark


def test_the_red_form_offset_moves_every_value() -> None:
    moved = render_cms1500_red(sample_form(), printed_on=PRINTED, offset_x_pt=-36, offset_y_pt=24)

    assert Form(moved, RED_GRID).box("1a") != "XYZ123456789"
    shifted = Grid(RED_GRID.left - 36, RED_GRID.top - 24)
    assert Form(moved, shifted).box("1a") == "XYZ123456789"


def test_a_long_red_form_claim_marks_its_pages() -> None:
    lines = tuple(sample_line(date(2026, 1, 5) + timedelta(weeks=week), charge_id=week + 1) for week in range(8))
    out = Form(render_cms1500_red(sample_form(lines=lines), printed_on=PRINTED), RED_GRID)

    assert out.page_count == 2
    assert "PAGE 2 OF 2" in out.text(1)
    assert out.box("28", page=0) == "900 00"
    assert out.box("28", page=1) == "300 00"


def test_the_alignment_page_prints_xs_in_the_boxes_to_check_against() -> None:
    out = Form(render_alignment_page(offset_x_pt=3, offset_y_pt=-1.5), Grid(RED_GRID.left + 3, RED_GRID.top + 1.5))

    for number in ("1a", "2", "33"):
        assert set(out.box(number).replace(" ", "")) == {"X"}, number
    assert set(out.cell(1, "24A").replace(" ", "")) == {"X"}
    assert "Print this page on a red CMS-1500 form" in out.text()
    assert "x +3.0 pt, y -1.5 pt" in out.text()
