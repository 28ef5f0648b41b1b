"""Persistence: SQLAlchemy models, Alembic migrations, the conversation store and the report queries.

Importing this package is cheap on purpose; ``storage.database`` is the entry point.
"""
