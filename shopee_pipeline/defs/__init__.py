"""The Dagster layer: thin, declarative wiring of the client, normalisation and warehouse."""
