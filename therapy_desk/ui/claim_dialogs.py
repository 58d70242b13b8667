"""The Claims page's forms: a period to bill, a claim's own boxes (10, 14, 17, 22, 23, 27, 31), the payer's
answer (accepted, paid, denied), and the payer's claim number a correction or a void needs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QPlainTextEdit, QWidget

from therapy_desk.claims.files import X12Settings
from therapy_desk.domain.claims import Claim, ClaimState, Frequency, ReferringQualifier
from therapy_desk.domain.clients import CareContact
from therapy_desk.domain.scheduling import zone
from therapy_desk.errors import ValidationError
from therapy_desk.storage.practice_zone import practice_zone_name
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry
from therapy_desk.ui.billing_dialogs import _BillingForm, add_rows
from therapy_desk.ui.chart_common import OptionalDateEdit, from_qdate, to_qdate
from therapy_desk.ui.chart_contact_dialogs import _line
from therapy_desk.ui.widgets.date_field import DateField
from therapy_desk.ui.widgets.focus import focus_through

_QUALIFIERS = (
    (ReferringQualifier.REFERRING, "DN: referring provider"),
    (ReferringQualifier.ORDERING, "DK: ordering provider"),
    (ReferringQualifier.SUPERVISING, "DQ: supervising provider"),
)


def practice_now(vault: Vault) -> datetime:
    """Now in the practice's time zone."""
    return datetime.now(zone(practice_zone_name(vault.practice)))


def practice_today(vault: Vault) -> date:
    """Today in the practice's time zone (the date a claim's checks and files go by)."""
    return practice_now(vault).date()


def this_week(today: date) -> tuple[date, date]:
    """Monday of `today`'s week, and today."""
    return today - timedelta(days=today.weekday()), today


def _check(text: str, parent: QWidget, checked: bool) -> QCheckBox:
    box = QCheckBox(text, parent)
    box.setAccessibleName(text.replace("&", ""))
    box.setChecked(checked)
    return box


@registry.view
class CreateClaimsDialog(_BillingForm):
    """Ask for the period whose unbilled charges become claims; `submit(first, last)` makes them."""

    def __init__(self, today: date, submit: Callable[[date, date], object], parent: QWidget | None = None) -> None:
        super().__init__("Create claims", parent)
        self.setObjectName("createClaimsDialog")
        self._submit = submit
        first, last = this_week(today)
        self.date_from = DateField(self)
        self.date_from.setAccessibleName("From")
        self.date_from.setDate(to_qdate(first))
        self.date_to = DateField(self)
        self.date_to.setAccessibleName("To")
        self.date_to.setDate(to_qdate(last))
        intro = QLabel(
            "Every charge billed to insurance with a date of service in the period and on no claim yet goes on "
            "a claim: one per client and insurance. Claims with nothing to fix are marked ready.",
            self,
        )
        intro.setWordWrap(True)
        self.form.addRow(intro)
        add_rows(self, (("&From:", self.date_from, "date_from"), ("&To:", self.date_to, "date_to")))
        self.save_button.setText("Create claims")
        self.save_button.setAccessibleName("Create claims")
        self.save_button.setDefault(True)
        self.date_from.setFocus()
        self.remember_initial()

    def snapshot(self) -> tuple[Any, ...]:
        return (self.date_from.date(), self.date_to.date())

    def value(self) -> tuple[date, date]:
        first, last = from_qdate(self.date_from.date()), from_qdate(self.date_to.date())
        if last < first:
            raise ValidationError("The period ends before it starts.", "date_to")
        return first, last

    def submit(self, value: tuple[date, date]) -> object:
        return self._submit(*value)


@registry.view
class ClaimBoxesDialog(_BillingForm):
    """The boxes a clinician fills in per claim; `submit(claim)` saves them (the claim goes back to draft)."""

    def __init__(
        self,
        claim: Claim,
        contacts: Sequence[CareContact],
        submit: Callable[[Claim], Claim],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(f"Boxes of claim {claim.number}", parent)
        self.setObjectName("claimBoxesDialog")
        self._claim = claim
        self._submit = submit
        self.employment = _check("&Employment related (10a)", self, claim.employment_related)
        self.auto_accident = _check("&Auto accident (10b)", self, claim.auto_accident)
        self.auto_state = _line(self, "Accident state (10b)", claim.auto_accident_state, "Two letters, e.g. NY")
        self.auto_state.setMaxLength(2)
        self.other_accident = _check("Other acci&dent (10c)", self, claim.other_accident)
        self.accident_on = OptionalDateEdit("Set", "Accident date (15)", self)
        self.accident_on.set_day(claim.accident_on)
        self.claim_codes = _line(self, "Claim codes (10d)", claim.claim_codes, "Two-character codes, e.g. AA BB")
        self.onset = OptionalDateEdit("Set", "Date of current illness (14)", self)
        self.onset.set_day(claim.illness_onset)
        self.referring = QComboBox(self)
        self.referring.setAccessibleName("Referring provider (17)")
        self.referring.addItem("None", None)
        for contact in contacts:
            npi = f", NPI {contact.npi}" if contact.npi else ", no NPI recorded"
            self.referring.addItem(f"{contact.name} ({contact.role.value}{npi})", contact.id)
        self.referring.setCurrentIndex(max(0, self.referring.findData(claim.referring_contact_id)))
        self.qualifier = QComboBox(self)
        self.qualifier.setAccessibleName("Qualifier (17)")
        for qualifier, words in _QUALIFIERS:
            self.qualifier.addItem(words, qualifier)
        self.qualifier.setCurrentIndex(max(0, self.qualifier.findData(claim.referring_qualifier)))
        self.original = _line(self, "Original claim number (22)", claim.original_reference, "The payer's number for it")
        self.authorization = _line(self, "Prior authorization (23)", claim.prior_authorization)
        self.assignment = _check("Accept assig&nment (27)", self, claim.accept_assignment)
        self.signed = OptionalDateEdit("Set", "Signature date (31)", self)
        self.signed.set_day(claim.provider_signed_on)
        rows: list[tuple[str, QWidget, str]] = [
            ("&Prior authorization (23):", self.authorization, "prior_authorization"),
            ("", self.employment, "employment_related"),
            ("", self.auto_accident, "auto_accident"),
            ("Accident &state (10b):", self.auto_state, "auto_accident_state"),
            ("", self.other_accident, "other_accident"),
            ("Acciden&t date (15):", self.accident_on, "accident_on"),
            ("&Claim codes (10d):", self.claim_codes, "claim_codes"),
            ("Date of current &illness (14):", self.onset, "illness_onset"),
            ("&Referring provider (17):", self.referring, "referring"),
            ("&Qualifier (17):", self.qualifier, "referring_qualifier"),
        ]
        if claim.frequency is not Frequency.ORIGINAL:
            rows.append(("&Original claim number (22):", self.original, "original_reference"))
        else:
            self.original.hide()
        rows += [
            ("", self.assignment, "accept_assignment"),
            ("Si&gnature date (31):", self.signed, "provider_signed_on"),
        ]
        add_rows(self, rows)
        for optional in (self.onset, self.accident_on, self.signed):
            focus_through(optional, optional.check)
        self.auto_accident.toggled.connect(self.auto_state.setEnabled)
        self.auto_state.setEnabled(claim.auto_accident)
        for box in (self.auto_accident, self.other_accident):
            box.toggled.connect(lambda _on: self._accident_shown())
        self._accident_shown()
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 80)
        self.authorization.setFocus()  # the box most often filled in per claim
        self.remember_initial()

    def _accident(self) -> bool:
        return self.auto_accident.isChecked() or self.other_accident.isChecked()

    def _accident_shown(self) -> None:
        """Box 15's date is asked only for an accident (10b or 10c)."""
        self.accident_on.setEnabled(self._accident())

    def snapshot(self) -> tuple[Any, ...]:
        return (
            self.employment.isChecked(), self.auto_accident.isChecked(), self.auto_state.text(),
            self.other_accident.isChecked(), self.accident_on.day(), self.claim_codes.text(), self.onset.day(),
            self.referring.currentIndex(), self.qualifier.currentIndex(), self.original.text(),
            self.authorization.text(), self.assignment.isChecked(), self.signed.day(),
        )  # fmt: skip

    def value(self) -> Claim:
        return replace(
            self._claim,
            employment_related=self.employment.isChecked(),
            auto_accident=self.auto_accident.isChecked(),
            auto_accident_state=self.auto_state.text() if self.auto_accident.isChecked() else "",
            other_accident=self.other_accident.isChecked(),
            accident_on=self.accident_on.day() if self._accident() else None,
            claim_codes=self.claim_codes.text(),
            illness_onset=self.onset.day(),
            referring_contact_id=self.referring.currentData(),
            referring_qualifier=ReferringQualifier(self.qualifier.currentData()),
            original_reference=self.original.text(),
            prior_authorization=self.authorization.text(),
            accept_assignment=self.assignment.isChecked(),
            provider_signed_on=self.signed.day(),
        )

    def submit(self, value: Claim) -> Claim:
        return self._submit(value)


@dataclass(frozen=True)
class Outcome:
    """What the payer answered: the state it moves the claim to, the payer's claim number, the reason for a
    denial, and whether to post the EOB before marking it paid."""

    state: ClaimState
    payer_claim_number: str = ""
    reason: str = ""
    post_eob: bool = False


@registry.view
class OutcomeDialog(_BillingForm):
    """Record the payer's answer to a submitted or accepted claim; `submit(outcome)` records it."""

    def __init__(self, claim: Claim, submit: Callable[[Outcome], object], parent: QWidget | None = None) -> None:
        super().__init__(f"Outcome of claim {claim.number}", parent)
        self.setObjectName("outcomeDialog")
        self._submit = submit
        self.outcome = QComboBox(self)
        self.outcome.setAccessibleName("Outcome")
        for state in (ClaimState.ACCEPTED, ClaimState.PAID, ClaimState.DENIED):
            if state is not claim.state:
                self.outcome.addItem(state.label, state)
        self.number = _line(self, "Payer's claim number", claim.payer_claim_number, "On the acknowledgement or EOB")
        self.reason = QPlainTextEdit(self)
        self.reason.setAccessibleName("Reason for the denial")
        self.reason.setTabChangesFocus(True)
        self.reason.setFixedHeight(self.fontMetrics().lineSpacing() * 4)
        self.post_eob = _check("Post the payer's &EOB first", self, True)
        add_rows(
            self,
            (
                ("&Outcome:", self.outcome, "state"),
                ("Payer's claim &number:", self.number, "payer_claim_number"),
                ("&Reason for the denial:", self.reason, "detail"),
                ("", self.post_eob, "post_eob"),
            ),
        )
        self.save_button.setText("Record")
        self.save_button.setAccessibleName("Record the outcome")
        self.outcome.currentIndexChanged.connect(lambda _i: self._show_fields())
        self._show_fields()
        self.outcome.setFocus()
        self.remember_initial()

    def chosen(self) -> ClaimState:
        return ClaimState(self.outcome.currentData())

    def choose(self, state: ClaimState) -> None:
        self.outcome.setCurrentIndex(self.outcome.findData(state))

    def _show_fields(self) -> None:
        state = self.chosen()
        self.reason.setEnabled(state is ClaimState.DENIED)
        self.post_eob.setEnabled(state is ClaimState.PAID)

    def snapshot(self) -> tuple[Any, ...]:
        return (self.outcome.currentIndex(), self.number.text(), self.reason.toPlainText(), self.post_eob.isChecked())

    def value(self) -> Outcome:
        state = self.chosen()
        reason = self.reason.toPlainText().strip() if state is ClaimState.DENIED else ""
        if state is ClaimState.DENIED and not reason:
            raise ValidationError("Say why the payer denied the claim (the reason on the EOB or letter).", "detail")
        return Outcome(state, self.number.text(), reason, state is ClaimState.PAID and self.post_eob.isChecked())

    def submit(self, value: Outcome) -> object:
        return self._submit(value)


@registry.view
class PayerNumberDialog(_BillingForm):
    """Correct or void a claim the payer has: says what will happen and asks the payer's claim number
    (filled in when one is recorded); `submit(number)` does it."""

    def __init__(
        self,
        title: str,
        explanation: str,
        action: str,
        claim: Claim,
        submit: Callable[[str], object],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(title, parent)
        self.setObjectName("payerNumberDialog")
        self._submit = submit
        intro = QLabel(explanation, self)
        intro.setWordWrap(True)
        self.form.addRow(intro)
        self.number = _line(self, "Payer's claim number", claim.payer_claim_number, "On the acknowledgement or EOB")
        add_rows(self, (("Payer's claim &number:", self.number, "payer_claim_number"),))
        self.save_button.setText(action)
        self.save_button.setAccessibleName(action)
        self.number.setFocus()
        self.remember_initial()

    def snapshot(self) -> tuple[Any, ...]:
        return (self.number.text(),)

    def value(self) -> str:
        return self.number.text()

    def submit(self, value: str) -> object:
        return self._submit(value)


@registry.view
class X12SettingsDialog(_BillingForm):
    """Who an 837P file is from and to: the IDs the clearinghouse gave the practice, and whether files are
    marked as tests while the clearinghouse is being tried."""

    def __init__(
        self, settings: X12Settings, submit: Callable[[X12Settings], object], parent: QWidget | None = None
    ) -> None:
        super().__init__("837P settings", parent)
        self.setObjectName("x12SettingsDialog")
        self._submit = submit
        intro = QLabel(
            "Your clearinghouse gives you these when you sign up. Left blank, a file goes from your NPI to the "
            "payer's electronic ID, for a payer that takes files directly.",
            self,
        )
        intro.setWordWrap(True)
        self.form.addRow(intro)
        self.submitter_id = _line(self, "Submitter ID", settings.submitter_id, "The ID the clearinghouse gave you")
        self.receiver_id = _line(self, "Receiver ID", settings.receiver_id, "The clearinghouse's own ID")
        self.receiver_name = _line(self, "Clearinghouse name", settings.receiver_name)
        self.test_files = _check("Mark files as &tests (while trying the clearinghouse)", self, settings.test_files)
        add_rows(
            self,
            (
                ("&Submitter ID:", self.submitter_id, "submitter_id"),
                ("&Receiver ID:", self.receiver_id, "receiver_id"),
                ("Clearinghouse &name:", self.receiver_name, "receiver_name"),
                ("", self.test_files, "test_files"),
            ),
        )
        self.submitter_id.setFocus()
        self.remember_initial()

    def snapshot(self) -> tuple[Any, ...]:
        return (self.submitter_id.text(), self.receiver_id.text(), self.receiver_name.text(),
                self.test_files.isChecked())  # fmt: skip

    def value(self) -> X12Settings:
        return X12Settings(
            self.submitter_id.text(), self.receiver_id.text(), self.receiver_name.text(), self.test_files.isChecked()
        )

    def submit(self, value: X12Settings) -> object:
        return self._submit(value)
