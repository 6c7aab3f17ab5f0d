"""Storage with provenance: the raw WARC archive, the database of reports, versions and facts,
idempotent upserts, re-parsing from the archive, and the warehouse export.

- api.Store: the entry point for the crawler, the commands and the tests.
- archive: WARC files (warcio), rotated by size; documents: their index in the database.
- models + migrations/: the schema (SQLAlchemy 2, Alembic); migrate: upgrade without an ini file.
- reports: storing one parse (report, version, facts, history, checks) in one transaction.
- upsert, bulk: `INSERT ... ON CONFLICT DO UPDATE ... WHERE changed`, one statement per batch.
- db: engines (SQLite WAL / PostgreSQL), UTC time, bounded retries of transient errors.
- ingest, reparse, export, status, history: the commands' work and the history queries.
- pgserver: a throwaway PostgreSQL server for the tests and the benchmark.
"""
