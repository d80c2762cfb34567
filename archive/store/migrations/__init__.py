"""The versioned schema of the archive's database: Alembic revisions (``versions/``), the environment
that runs them (``env.py``), and what opening a database does about its revision (``schema.py``).

``python -m archive.store.migrations`` is the developers' tool: it writes a new revision (see
docs/development.md) and checks that the revisions build exactly the tables the models define.
"""
