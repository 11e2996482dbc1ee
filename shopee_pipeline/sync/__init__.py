"""What one sync does, independent of Dagster: which time windows to read, and fetch -> normalise.

The Dagster assets call these functions; so do the benchmarks. No SQL here: what the sync needs to know
from the warehouse (known tracking numbers, escrow already fetched) arrives as plain values.
"""
