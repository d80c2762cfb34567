"""The database: tables, the import that writes them, and crash points."""
