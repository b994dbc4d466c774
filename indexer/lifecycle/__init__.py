"""Index lifecycle: sealed generation records, rollback, retention, drift reports between
versions, A/B of build configurations, and the per-generation index card.

Every module here works on committed generations only (immutable on disk), so each can read
an index while a writer commits beside it.
"""
