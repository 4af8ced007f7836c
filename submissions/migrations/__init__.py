"""Alembic migrations of the submissions database (every table of ``submissions.models``).

``env.py`` and ``versions/`` are read by Alembic through :mod:`submissions.schema`, which is
also where the database URL comes from (``DATABASE_URL``); there is no ``alembic.ini``.
"""
