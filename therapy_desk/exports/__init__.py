"""Files for other systems, written from domain values alone: no SQL, no Qt, no vault (DESIGN.md)."""
