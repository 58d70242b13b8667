"""Claims to files, from the Claims page: CMS-1500 PDFs (plain paper, or data only for the red form, with the
alignment page to check the printer against) and 837P files, one per payer. Each file is written on a
worker (`Ops`); a claim whose scrub finds an error stops the write before anything is written, and the
page lists why. File names come from claim numbers, never a client's name."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QLabel, QPushButton, QWidget

from therapy_desk.claims.files import (
    MAX_OFFSET_MM,
    red_form_offsets,
    save_red_form_offsets,
    write_837p,
    write_alignment_page,
    write_cms1500,
)
from therapy_desk.domain.claims import ClaimState, claim_number
from therapy_desk.errors import UserError
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry
from therapy_desk.ui.billing_dialogs import _BillingForm, add_rows
from therapy_desk.ui.files import ask_save_path

if TYPE_CHECKING:
    from therapy_desk.ui.claims_page import ClaimsView

X12_FILTER = "837P files (*.x12)"
PLAIN, RED = "plain", "red"


def file_stem(claim_ids: Sequence[int]) -> str:
    """TD000012, or TD000012-TD000015 for several claims."""
    ordered = sorted(claim_ids)
    first, last = claim_number(ordered[0]), claim_number(ordered[-1])
    return first if first == last else f"{first}-{last}"


@registry.view
class PrintClaimsDialog(_BillingForm):
    """Which paper the forms go on; `alignment_page()` writes the red form's alignment test page."""

    def __init__(self, count: int, files: ClaimFiles, parent: QWidget | None = None) -> None:
        super().__init__("Print CMS-1500", parent)
        self.setObjectName("printClaimsDialog")
        self._files = files
        intro = QLabel(
            f"{count} claim{'s' if count != 1 else ''} as a PDF to print. On plain paper the whole form prints; "
            "on the red pre-printed form only the values print, so check the printer with the alignment page "
            "first.",
            self,
        )
        intro.setWordWrap(True)
        self.form.addRow(intro)
        self.paper = QComboBox(self)
        self.paper.setAccessibleName("Paper")
        self.paper.addItem("Plain paper", PLAIN)
        self.paper.addItem("Red CMS-1500 form (data only)", RED)
        right, up = red_form_offsets(files.page.vault)
        self.right = _offset(self, "Move the red form's values right", right)
        self.up = _offset(self, "Move the red form's values up", up)
        self.alignment_button = QPushButton("Print the &alignment page…", self)
        self.alignment_button.setAccessibleName("Print the alignment page")
        self.alignment_button.setToolTip("A page of Xs in the red form's boxes: print it on a red form to check")
        self.alignment_button.clicked.connect(self._alignment)
        add_rows(
            self,
            (
                ("&Paper:", self.paper, "paper"),
                ("Move the red form's values &right:", self.right, "offset"),
                ("Move the red form's values &up:", self.up, "offset_up"),
                ("", self.alignment_button, "alignment"),
            ),
        )
        self.save_button.setText("Save PDF…")
        self.save_button.setAccessibleName("Save PDF")
        self.save_button.setDefault(True)
        self.paper.setFocus()
        self.remember_initial()

    def _alignment(self) -> None:
        """The alignment page with the offsets as set here (kept for the next print)."""
        save_red_form_offsets(self._files.page.vault, self.right.value(), self.up.value())  # within the boxes' range
        self._files.alignment_page()

    def snapshot(self) -> tuple[Any, ...]:
        return (self.paper.currentIndex(), self.right.value(), self.up.value())

    def value(self) -> bool:
        return self.paper.currentData() == RED

    def submit(self, value: bool) -> None:
        save_red_form_offsets(self._files.page.vault, self.right.value(), self.up.value())
        self._files.pending_red = value


def _offset(parent: QWidget, name: str, value: float) -> QDoubleSpinBox:
    """Millimetres the red form's values move on this printer (negative: left or down)."""
    box = QDoubleSpinBox(parent)
    box.setAccessibleName(name)
    box.setRange(-MAX_OFFSET_MM, MAX_OFFSET_MM)
    box.setSingleStep(0.5)
    box.setDecimals(1)
    box.setSuffix(" mm")
    box.setValue(value)
    box.setToolTip("Print the alignment page on a red form; if the Xs sit off their boxes, move them by this much")
    return box


class ClaimFiles:
    """The page's Print and Export: asks where, writes on a worker, says what was written."""

    def __init__(self, page: ClaimsView) -> None:
        self.page = page
        self.pending_red: bool | None = None
        self.last_written: list[Path] = []

    def print_forms(self) -> PrintClaimsDialog | None:
        ids = self.page.selected_ids()
        if not ids:
            return None
        self.pending_red = None
        dialog = PrintClaimsDialog(len(ids), self, self.page)
        dialog.accepted.connect(lambda: self._print_chosen(ids))
        self.page.show_dialog(dialog)
        return dialog

    def _print_chosen(self, ids: list[int]) -> None:
        if self.pending_red is not None:
            self.write_forms(ids, red=self.pending_red)

    def write_forms(self, ids: Sequence[int], *, red: bool, path: Path | None = None) -> None:
        """The claims' CMS-1500 forms as one PDF (drafts with no error become ready first)."""
        path = path or ask_save_path(self.page, "Save the CMS-1500 forms", f"{file_stem(ids)}.pdf")
        if path is None:
            return
        today = self.page.today()
        chosen = list(ids)

        def work(vault: Vault) -> list[Path]:
            return [write_cms1500(vault, chosen, path, today=today, red=red)]

        noun = f"claim{'s' if len(chosen) != 1 else ''}"
        self._run(work, "Writing the CMS-1500 forms…", f"{len(chosen)} {noun} written to {{files}}.", chosen[0])

    def alignment_page(self, path: Path | None = None) -> None:
        path = path or ask_save_path(self.page, "Save the alignment page", "CMS-1500 alignment page.pdf")
        if path is None:
            return
        chosen = path

        def work(vault: Vault) -> list[Path]:
            return [write_alignment_page(vault, chosen)]

        self._run(work, "Writing the alignment page…", "The alignment page was written to {files}.", None)

    def export_837p(self, paths: dict[int, Path] | None = None) -> None:
        """The selected claims, or (one selected) every ready claim of its payer with it: one file per payer.
        `paths` (payer id -> file) skips the save dialogs."""
        vault = self.page.vault
        ids = self.page.selected_ids()
        if not ids:
            return
        claims = [vault.claims.claim(claim_id) for claim_id in ids]
        if len(claims) == 1:
            payer_id = claims[0].payer_id
            ready = [s.id for s in vault.claims.claims(state=ClaimState.READY, payer_id=payer_id)]
            ids = sorted({*ready, claims[0].id})
            claims = [vault.claims.claim(claim_id) for claim_id in ids]
        groups: dict[int, list[int]] = {}
        for claim in claims:
            groups.setdefault(claim.payer_id, []).append(claim.id)
        targets: dict[int, Path] = {}
        for payer_id, group in groups.items():
            path = (paths or {}).get(payer_id) or ask_save_path(
                self.page, "Save the 837P file", f"837P {file_stem(group)}.x12", X12_FILTER
            )
            if path is None:
                return
            targets[payer_id] = path
        now = self.page.now()

        def work(worker: Vault) -> list[Path]:
            return [write_837p(worker, payer_id, groups[payer_id], path, now=now) for payer_id, path in targets.items()]

        count = sum(len(group) for group in groups.values())
        self._run(
            work,
            "Writing the 837P file…",
            f"{count} claim{'s' if count != 1 else ''} written to {{files}} and marked submitted.",
            ids[0],
        )

    def _run(self, work: Any, label: str, sentence: str, select: int | None) -> None:
        page = self.page
        page.error.hide()

        def done(written: list[Path]) -> None:
            self.last_written = written
            page.summary.setText(sentence.format(files=", ".join(str(p) for p in written)))
            page.summary.show()
            page.load(select=select)

        def failed(err: UserError) -> None:
            page.show_error(str(err))
            page.load(select=select)

        page.ops.run(work, label=label).success(done).failure(failed).start()
