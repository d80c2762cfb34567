"""The revisions of the database schema, oldest first by number (Alembic reads them; see ../schema.py)."""
