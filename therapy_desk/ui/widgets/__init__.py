"""Reusable form widgets for the desktop app."""
