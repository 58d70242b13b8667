"""The 837P file: every file pyx12 accepts with no errors, the app's own checks find nothing, and the counts,
control numbers and totals read back from the text agree; broken files are caught by both."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from tests.claims.forms import BILLING, PATIENT, PRACTICE_ADDRESS, sample_form, sample_line
from tests.claims.x12_verdict import pyx12_errors
from therapy_desk.domain.claim_scrub import blocking, scrub
from therapy_desk.domain.claims import (
    Address,
    ClaimForm,
    Diagnosis,
    Frequency,
    InsuranceType,
    Payer,
    Person,
    Provider,
    Referring,
    ReferringQualifier,
)
from therapy_desk.domain.icd10cm import code_set
from therapy_desk.errors import ValidationError
from therapy_desk.exports.x12_837p import Envelope, check_837p, write_837p
from therapy_desk.exports.x12_text import x12_text

ENVELOPE = Envelope(
    control_number=42,
    created=datetime(2026, 3, 13, 9, 30),
    submitter_name="Rivera Counseling",
    submitter_id="SUB4411",
    submitter_contact="Ana Rivera",
    submitter_phone="(217) 555-0142",
    receiver_name="Prairie Clearinghouse",
    receiver_id="PCH01",
)
PARENT = Person(
    "Okafor", "Grace", dob=date(1960, 2, 3), sex="F", address=Address("15 Elm Court", "Springfield", "IL", "62702")
)
GROUP = Provider(
    "Rivera Counseling Group",
    npi="1987654328",
    organization=True,
    taxonomy="251S00000X",
    address=PRACTICE_ADDRESS,
    phone="(217) 555-0100",
)
TWELVE = ["F32.0", "F32.1", "F32.2", "F33.0", "F33.1", "F41.0", "F41.1", "F43.10", "F43.21", "F43.22", "F43.23"]
TWELVE.append("F90.0")
# X12's basic character set, the delimiters and the newline after each segment.
BASIC = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !\"&'()+,-./;?=*:^~\n")


def segments(text: str) -> list[list[str]]:
    return [part.strip().split("*") for part in text.split("~") if part.strip()]


def find(text: str, tag: str, first: str | None = None) -> list[list[str]]:
    return [s for s in segments(text) if s[0] == tag and (first is None or s[1] == first)]


def cents(amount: str) -> int:
    return round(float(amount) * 100)


def assert_file_is_right(text: str, forms: list[ClaimForm]) -> None:
    """pyx12 has no errors, check_837p finds nothing, and the envelope and totals agree when read here."""
    assert pyx12_errors(text) == []
    assert check_837p(text, forms) == []
    assert set(text) <= BASIC
    rows = segments(text)
    tags = [row[0] for row in rows]
    assert tags[:4] == ["ISA", "GS", "ST", "BHT"]
    assert tags[-3:] == ["SE", "GE", "IEA"]
    isa, gs, st, se, ge, iea = (rows[tags.index(t)] for t in ("ISA", "GS", "ST", "SE", "GE", "IEA"))
    assert int(se[1]) == tags.index("SE") - tags.index("ST") + 1
    assert se[2] == st[2] == "0001"
    assert isa[13] == iea[2] == f"{ENVELOPE.control_number:09d}"
    assert int(gs[6]) == int(ge[2]) == ENVELOPE.control_number
    assert ge[1] == iea[1] == "1"
    assert len(isa) == 17
    assert len("*".join(isa)) == 105  # ISA is fixed width
    totals: dict[str, int] = {}
    lines: dict[str, int] = {}
    current = ""
    for row in rows:
        if row[0] == "CLM":
            current = row[1]
            totals[current] = cents(row[2])
            lines[current] = 0
        elif row[0] == "SV1":
            lines[current] += cents(row[2])
    assert totals == lines == {form.claim_number: form.total_cents for form in forms}


def envelope(**changes: object) -> Envelope:
    return replace(ENVELOPE, **changes)  # type: ignore[arg-type]


# -- pyx12 as a judge: it must be able to say no ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        (lambda t: t.replace("\nSE*32*", "\nSE*31*"), "SE count"),
        (lambda t: t.replace("CLM*TD000007*300*", "CLM*TD000007**"), "CLM02"),
        (lambda t: t.replace("SBR*P*18", "SBR*Q*18"), "SBR"),
        (lambda t: t.replace("DTP*472*D8*20260304~\n", ""), "DTP"),
        (lambda t: t.replace("ST*837*0001*005010X222A1~\n", ""), "could not read"),
    ],
    ids=["bad SE count", "CLM without its total", "unknown payer responsibility", "line without its date", "no ST"],
)
def test_pyx12_reports_errors_in_a_broken_file(broken: Callable[[str], str], expected: str) -> None:
    text = write_837p([sample_form()], ENVELOPE)
    assert pyx12_errors(text) == []
    errors = pyx12_errors(broken(text))
    assert errors
    assert any(expected in error for error in errors), errors


def test_pyx12_refuses_what_is_not_x12() -> None:
    assert pyx12_errors("Dear insurer, please pay.") != []


# -- files pyx12 accepts and the app's checks pass -----------------------------------------------------------


def _child() -> ClaimForm:
    child = replace(PATIENT, first="Ada", middle="", dob=date(2014, 6, 1), sex="F")
    return sample_form(patient=child, insured=PARENT, relationship="child", insurance_type=InsuranceType.MEDICAID)


def _many_lines() -> ClaimForm:
    start = date(2026, 2, 2)
    lines = tuple(
        sample_line(start + timedelta(weeks=week), charge_id=week + 1, pointers=tuple(range(1, 5)), fee_cents=15_050)
        for week in range(8)
    )
    return sample_form(diagnoses=tuple(Diagnosis(code, onset=date(2025, 6, 1)) for code in TWELVE), lines=lines)


def _unicode() -> ClaimForm:
    patient = replace(
        PATIENT,
        last="Müller-Łukasiewicz",
        first="Zoë",
        middle="Ø",
        address=Address("12 Rue de l’Église", "Señora Falls", "IL", "62702"),
    )
    return sample_form(patient=patient, insured=patient)


SCENARIOS: dict[str, Callable[[], list[ClaimForm]]] = {
    "subscriber is the patient": lambda: [sample_form()],
    "child of the subscriber (2000C)": lambda: [_child()],
    "spouse of the subscriber": lambda: [sample_form(insured=PARENT, relationship="spouse")],
    "other relationship": lambda: [sample_form(insured=PARENT, relationship="other")],
    "group billing (2310B)": lambda: [sample_form(billing=GROUP)],
    "referring provider (2310A)": lambda: [
        sample_form(referring=Referring(ReferringQualifier.REFERRING, "Hughes", "Martin", "1122334455"))
    ],
    "supervising provider (2310D)": lambda: [
        sample_form(referring=Referring(ReferringQualifier.SUPERVISING, "Hughes", "Martin", "1122334455"))
    ],
    "ordering provider (2420E)": lambda: [
        sample_form(referring=Referring(ReferringQualifier.ORDERING, "Hughes", "Martin", "1122334455"))
    ],
    "corrected claim (7)": lambda: [sample_form(frequency=Frequency.CORRECTED, original_reference="PHP2026031100123")],
    "void claim (8)": lambda: [sample_form(frequency=Frequency.VOID, original_reference="PHP2026031100123")],
    "12 diagnoses, 8 lines": lambda: [_many_lines()],
    "several claims": lambda: [
        sample_form(),
        replace(_child(), claim_id=8, claim_number="TD000008", insurance_type=InsuranceType.GROUP),
        sample_form(claim_id=9, claim_number="TD000009", billing=GROUP),
    ],
    "unicode names": lambda: [_unicode()],
    "service facility, accident, prior authorization, paid amount": lambda: [
        sample_form(
            facility=Provider(
                "Springfield Community Clinic",
                npi="1567890128",
                address=Address("9 Oak Avenue", "Springfield", "IL", "62701"),
            ),
            auto_accident=True,
            auto_accident_state="MO",
            accident_date=date(2026, 1, 30),
            claim_codes="W2 AP",
            employment_related=True,
            prior_authorization="PA-5521",
            amount_paid_cents=2_500,
            illness_onset=date(2026, 2, 1),
        )
    ],
    "telehealth line, emergency, modifiers": lambda: [
        sample_form(
            lines=(
                sample_line(charge_id=1),
                sample_line(date(2026, 3, 5), charge_id=2, pos="10", modifiers=("95", "HO"), emergency=True),
            )
        )
    ],
    "SSN as tax ID, no taxonomy, unsigned": lambda: [
        sample_form(
            tax_id="123-45-6789",
            tax_id_kind="SSN",
            billing=replace(BILLING, taxonomy=""),
            provider_signed_on=None,
            assignment_signed_on=None,
            accept_assignment=False,
        )
    ],
    "Medicare, plan name without group": lambda: [
        sample_form(insurance_type=InsuranceType.MEDICARE, group_number="", plan_name="Original Medicare")
    ],
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_every_file_passes_pyx12_and_the_apps_checks(scenario: str) -> None:
    forms = SCENARIOS[scenario]()
    for form in forms:
        assert blocking(scrub(form, code_set())) == [], scenario
    assert_file_is_right(write_837p(forms, ENVELOPE), forms)


def test_patient_who_is_the_subscriber_has_no_patient_level() -> None:
    text = write_837p([sample_form()], ENVELOPE)
    assert find(text, "HL") == [["HL", "1", "", "20", "1"], ["HL", "2", "1", "22", "0"]]
    assert find(text, "SBR") == [["SBR", "P", "18", "GRP-77", "", "", "", "", "", "CI"]]
    assert find(text, "PAT") == []
    assert find(text, "DMG") == [["DMG", "D8", "19880412", "M"]]


@pytest.mark.parametrize(("relationship", "code"), [("child", "19"), ("spouse", "01"), ("other", "G8")])
def test_dependent_patient_has_a_patient_level_under_the_subscriber(relationship: str, code: str) -> None:
    form = replace(_child(), relationship=relationship)
    text = write_837p([form], ENVELOPE)
    assert find(text, "HL") == [["HL", "1", "", "20", "1"], ["HL", "2", "1", "22", "1"], ["HL", "3", "2", "23", "0"]]
    assert find(text, "SBR")[0][1:3] == ["P", ""]
    assert find(text, "SBR")[0][-1] == "MC"
    assert find(text, "PAT") == [["PAT", code]]
    assert find(text, "NM1", "IL")[0][3:5] == ["OKAFOR", "GRACE"]
    assert find(text, "NM1", "QC") == [["NM1", "QC", "1", "OKAFOR", "ADA"]]
    assert find(text, "DMG") == [["DMG", "D8", "20140601", "F"]]  # the patient's; not the subscriber's


def test_group_billing_names_the_group_and_the_rendering_clinician() -> None:
    text = write_837p([sample_form(billing=GROUP)], ENVELOPE)
    assert find(text, "NM1", "85") == [
        ["NM1", "85", "2", "RIVERA COUNSELING GROUP", "", "", "", "", "XX", "1987654328"]
    ]
    assert find(text, "NM1", "82") == [["NM1", "82", "1", "RIVERA", "ANA", "", "", "", "XX", "1234567893"]]
    assert find(text, "PRV") == [["PRV", "BI", "PXC", "251S00000X"], ["PRV", "PE", "PXC", "1041C0700X"]]
    solo = write_837p([sample_form()], ENVELOPE)
    assert find(solo, "NM1", "82") == []


@pytest.mark.parametrize(
    ("qualifier", "entity", "count"),
    [
        (ReferringQualifier.REFERRING, "DN", 1),
        (ReferringQualifier.SUPERVISING, "DQ", 1),
        (ReferringQualifier.ORDERING, "DK", 2),
    ],
)
def test_box_17_provider_goes_in_its_loop(qualifier: ReferringQualifier, entity: str, count: int) -> None:
    form = sample_form(referring=Referring(qualifier, "Hughes", "Martin", "1122334455"))
    text = write_837p([form], ENVELOPE)
    assert (
        find(text, "NM1", entity) == [["NM1", entity, "1", "HUGHES", "MARTIN", "", "", "", "XX", "1122334455"]] * count
    )


@pytest.mark.parametrize(("frequency", "code"), [(Frequency.CORRECTED, "7"), (Frequency.VOID, "8")])
def test_corrected_and_void_claims_carry_the_frequency_and_original_number(frequency: Frequency, code: str) -> None:
    text = write_837p([sample_form(frequency=frequency, original_reference="PHP-991")], ENVELOPE)
    assert find(text, "CLM")[0][5] == f"11:B:{code}"
    assert find(text, "REF", "F8") == [["REF", "F8", "PHP-991"]]
    assert find(write_837p([sample_form()], ENVELOPE), "REF", "F8") == []


def test_claim_segment_carries_the_boxes() -> None:
    form = sample_form(
        auto_accident=True,
        auto_accident_state="MO",
        accident_date=date(2026, 1, 30),
        claim_codes="W2 AP",
        employment_related=True,
        prior_authorization="PA-5521",
        illness_onset=date(2026, 2, 1),
        amount_paid_cents=2_500,
    )
    text = write_837p([form], ENVELOPE)
    assert find(text, "DTP", "439") == [["DTP", "439", "D8", "20260130"]]
    assert find(text, "HI", "BG:W2") == [["HI", "BG:W2", "BG:AP"]]
    assert find(text, "CLM") == [["CLM", "TD000007", "300", "", "", "11:B:1", "Y", "A", "Y", "Y", "", "EM:AA::MO"]]
    assert find(text, "DTP", "431") == [["DTP", "431", "D8", "20260201"]]
    assert find(text, "REF", "G1") == [["REF", "G1", "PA-5521"]]
    assert find(text, "AMT") == [["AMT", "F5", "25"]]
    unsigned = sample_form(
        provider_signed_on=None, assignment_signed_on=None, release_signed_on=None, accept_assignment=False
    )
    assert find(write_837p([unsigned], ENVELOPE), "CLM")[0][6:10] == ["N", "C", "N", "I"]


def test_twelve_diagnoses_and_lines_with_pointers() -> None:
    text = write_837p([_many_lines()], ENVELOPE)
    assert find(text, "HI") == [["HI", "ABK:F320", *(f"ABF:{code.replace('.', '')}" for code in TWELVE[1:])]]
    assert len(find(text, "LX")) == 8
    assert find(text, "SV1")[0] == ["SV1", "HC:90837", "150.5", "UN", "1", "", "", "1:2:3:4"]
    assert find(text, "CLM")[0][2] == "1204"
    assert [row[3] for row in find(text, "DTP", "472")][:2] == ["20260202", "20260209"]


def test_line_place_modifiers_and_emergency() -> None:
    form = sample_form(
        lines=(
            sample_line(charge_id=1),
            sample_line(date(2026, 3, 5), charge_id=2, pos="10", modifiers=("95", "HO"), emergency=True),
        )
    )
    sv1 = find(write_837p([form], ENVELOPE), "SV1")
    assert sv1[0] == ["SV1", "HC:90837", "150", "UN", "1", "", "", "1"]  # the claim's place: not repeated
    assert sv1[1] == ["SV1", "HC:90837:95:HO", "150", "UN", "1", "10", "", "1", "", "Y"]


def test_unicode_names_are_transliterated_never_dropped() -> None:
    text = write_837p([_unicode()], ENVELOPE)
    assert find(text, "NM1", "IL")[0][3:6] == ["MULLER-LUKASIEWICZ", "ZOE", "O"]
    assert find(text, "N3")[1] == ["N3", "12 RUE DE L'EGLISE"]
    assert find(text, "N4")[1][1] == "SENORA FALLS"


def test_several_claims_share_one_envelope_and_one_billing_level_per_provider() -> None:
    forms = SCENARIOS["several claims"]()
    text = write_837p(forms, envelope(control_number=7, production=False))
    assert [row[1] for row in find(text, "CLM")] == ["TD000007", "TD000008", "TD000009"]
    assert [row[3] for row in find(text, "HL")] == ["20", "22", "22", "23", "20", "22"]
    isa = find(text, "ISA")[0]
    assert isa[13] == "000000007"
    assert isa[15] == "T"
    assert find(text, "IEA") == [["IEA", "1", "000000007"]]


def test_claims_of_two_billing_providers_are_grouped_under_each() -> None:
    forms = [sample_form(), sample_form(claim_id=8, claim_number="TD000008", billing=GROUP)]
    forms.append(sample_form(claim_id=9, claim_number="TD000009"))
    text = write_837p(forms, ENVELOPE)
    assert_file_is_right(text, forms)
    assert [row[1] for row in find(text, "CLM")] == ["TD000007", "TD000009", "TD000008"]
    assert [row[1:4] for row in find(text, "HL")] == [
        ["1", "", "20"],
        ["2", "1", "22"],
        ["3", "1", "22"],
        ["4", "", "20"],
        ["5", "4", "22"],
    ]


def test_a_batch_of_sixty_claims_passes() -> None:
    forms = [
        replace(
            _child() if number % 3 == 0 else sample_form(),
            claim_id=number,
            claim_number=f"TD{number:06d}",
            billing=GROUP if number % 4 == 0 else BILLING,
        )
        for number in range(1, 61)
    ]
    assert_file_is_right(write_837p(forms, ENVELOPE), forms)


def test_billing_provider_zip_is_nine_digits_and_tax_id_digits_only() -> None:
    text = write_837p([sample_form()], ENVELOPE)
    assert find(text, "N4")[0] == ["N4", "SPRINGFIELD", "IL", "627041234"]
    assert find(text, "REF", "EI") == [["REF", "EI", "123456789"]]


# -- check_837p catches what pyx12 does not -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        (lambda t: t.replace("SE*32*", "SE*33*"), "segment count (SE01) is 33, but it has 32"),
        (lambda t: t.replace("IEA*1*000000042", "IEA*1*000000043"), "IEA02"),
        (lambda t: t.replace("GE*1*42", "GE*1*41"), "GE02"),
        (lambda t: t.replace("GE*1*", "GE*2*"), "GE01"),
        (lambda t: t.replace("IEA*1*", "IEA*2*"), "IEA01"),
        (lambda t: t.replace("CLM*TD000007*300*", "CLM*TD000007*310*"), "sum of its service lines"),
        (lambda t: t.replace("1234567893", "1234567890"), "NPI 1234567890"),
        (lambda t: t.replace("627041234", "62704"), "nine digits"),
        (lambda t: t.replace("ABF:F321", "ABF:F32"), "F32 (ABF) is not a billable"),
        (lambda t: t.replace("ABF:F321", "ABF:Q999X"), "Q999X"),
    ],
    ids=["SE count", "IEA02", "GE02", "GE01", "IEA01", "CLM total", "NPI", "ZIP+4", "category code", "unknown code"],
)
def test_check_837p_finds_what_pyx12_does_not(broken: Callable[[str], str], expected: str) -> None:
    forms = [sample_form()]
    text = write_837p(forms, ENVELOPE)
    assert check_837p(text, forms) == []
    findings = check_837p(broken(text), forms)
    assert any(expected in finding for finding in findings), findings


def test_check_837p_compares_totals_with_the_claims_exported() -> None:
    form = sample_form()
    text = write_837p([form], ENVELOPE)
    more = replace(form, lines=(*form.lines, sample_line(date(2026, 3, 18), charge_id=3)))
    assert check_837p(text, [more]) == ["Claim TD000007's total in the file does not equal the claim's total."]
    other = sample_form(claim_number="TD000099")
    assert set(check_837p(text, [other])) == {
        "Claim TD000007 is in the file but not among the claims exported.",
        "Claim TD000099 is missing from the file.",
    }


# -- refusals ------------------------------------------------------------------------------------------------


def test_write_refuses_what_cannot_be_one_payers_file() -> None:
    other_payer = sample_form(claim_number="TD000008", payer=Payer("Other Plan", "OTH01"))
    with pytest.raises(ValidationError, match="one payer"):
        write_837p([sample_form(), other_payer], ENVELOPE)
    with pytest.raises(ValidationError, match="no electronic payer ID"):
        write_837p([sample_form(payer=Payer("Paper Only Plan"))], ENVELOPE)
    with pytest.raises(ValidationError, match="no claims"):
        write_837p([], ENVELOPE)
    thirteen = sample_form(diagnoses=tuple(Diagnosis(code) for code in [*TWELVE, "F42.2"]))
    with pytest.raises(ValidationError, match="more than 12 diagnoses"):
        write_837p([thirteen], ENVELOPE)


def test_a_name_with_no_latin_form_is_refused_not_dropped() -> None:
    form = sample_form(patient=replace(PATIENT, last="王"), insured=replace(PATIENT, last="王"))
    with pytest.raises(ValidationError, match="insured's last name has a letter") as refused:
        write_837p([form], ENVELOPE)
    assert refused.value.field == "insured's last name"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"control_number": 0}, "control_number"),
        ({"control_number": 1_000_000_000}, "control_number"),
        ({"submitter_id": ""}, "submitter_id"),
        ({"receiver_id": "X" * 16}, "receiver_id"),
        ({"submitter_phone": "555-0142"}, "submitter_phone"),
    ],
)
def test_envelope_refuses_values_a_clearinghouse_cannot_take(changes: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        envelope(**changes)
    assert refused.value.field == field


# -- the character set ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Okafor", "OKAFOR"),
        ("José Ñúñez", "JOSE NUNEZ"),
        ("Straße", "STRASSE"),
        ("Søren Ørsted", "SOREN ORSTED"),
        ("Łódź", "LODZ"),
        ("Æsa Cœur", "AESA COEUR"),
        ("O’Brien “Jr”", 'O\'BRIEN "JR"'),
        ("Smith–Jones", "SMITH-JONES"),
        ("Apt #4*B:C^D~E", "APT 4 B C D E"),
        ("  two   spaces ", "TWO SPACES"),
        ("", ""),
        ("Þóra Dögg", "THORA DOGG"),
        ("１２３ Main", "123 MAIN"),
    ],
)
def test_x12_text_transliterates_to_the_basic_character_set(value: str, expected: str) -> None:
    assert x12_text(value, "patient's last name") == expected


@pytest.mark.parametrize("value", ["王小明", "Иванов", "Παπαδόπουλος", "محمد", "***", "#"])
def test_x12_text_refuses_letters_with_no_latin_form(value: str) -> None:
    with pytest.raises(ValidationError, match=r"^The patient's first name has ") as refused:
        x12_text(value, "patient's first name")
    assert refused.value.field == "patient's first name"
