"""Pure rules and value types: no SQL, no Qt, no I/O."""
