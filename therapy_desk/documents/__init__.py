"""Issuing documents from the vault: gather a superbill, statement or Good Faith Estimate through the stores'
public methods (`gather`), render it with `therapy_desk.templates`, write it as a new file and record it in
the documents issued (`issue`), or do so for every client with activity in a period (`batch`).

This layer sits above storage and templates, beside the command line and the app that call it: it
executes no SQL and imports no Qt.
"""

from __future__ import annotations

from therapy_desk.documents.batch import BatchResult, Skipped, clients_with_activity, issue_batch
from therapy_desk.documents.gather import estimate_for, statement_for, superbill_for
from therapy_desk.documents.issue import document_name, issue_estimate, issue_statement, issue_superbill

__all__ = [
    "BatchResult",
    "Skipped",
    "clients_with_activity",
    "document_name",
    "estimate_for",
    "issue_batch",
    "issue_estimate",
    "issue_statement",
    "issue_superbill",
    "statement_for",
    "superbill_for",
]
