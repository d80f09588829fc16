"""The cohort stage: who is in the population at the as-of date and which NICE NG239 risk
cohorts they are in, with the evidence (`flag.flag_cohorts`). Cohorts are data
(data/config/cohorts.toml); each takes one of the rule shapes in `sql/rules/`, composed from
the engine's macros in `sql/engine/`."""
