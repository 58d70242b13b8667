"""The vault: encrypted database, key slots, migrations and stores. All SQL lives here."""
