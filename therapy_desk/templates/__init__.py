"""reportlab documents: domain values in, PDF bytes out. No SQL, no Qt."""
