"""Small pure-Python reference implementations of the pipeline's rules, for property tests:
the extract contract's row rules (ingest), the cohorts (cohorts) and the screening statuses
(status). Each is written from the rule's words, not from the SQL it checks."""
