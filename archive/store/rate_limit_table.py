"""The table of the web site's rate-limit counts (failed logins), kept in the archive's database.

On PostgreSQL every web node of a deployment counts in this one table
(``webapp/rate_limits.py``, the ``archive-postgresql`` storage), so a password guesser's
attempts at one node count at every other. An SQLite archive has the table too (one schema
for both databases) but leaves it empty: its counts live in a file of their own beside the
database, where a login never waits for an import's write lock.

A row is one fixed window of one counter: its count, and the moment (seconds since the epoch,
by the database server's clock) at which the window ends. The rows are not archive data: they
are never exported or backed up on purpose, and losing them only forgets recent failures.
"""

from __future__ import annotations

from sqlmodel import Field, SQLModel

TABLE_NAME = "rate_limit"


class RateLimitCount(SQLModel, table=True):
    __tablename__ = TABLE_NAME
    key: str = Field(primary_key=True)  # the limiter's key: what is counted, for which address (and name)
    count: int
    expires_at: float = Field(index=True)  # expired rows are swept by this
