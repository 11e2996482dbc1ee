"""The Postgres side: tables, migrations, idempotent upserts, the token store and the embedded server.

Nothing here knows of Dagster.
"""
