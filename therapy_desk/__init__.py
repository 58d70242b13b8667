"""Therapy Desk: offline-first charting for solo mental-health therapists."""

__version__ = "0.1.0"
