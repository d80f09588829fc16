-- Table macros the cohort files compose. TEMP: they live as long as the connection, never in
-- the warehouse. Parameters start with p_ so they never shadow a column of the tables read.
-- Every macro reads concept_events (already cut at the as-of date); the membership macros
-- keep only patients in population (filtered after aggregating: fewer rows to look up).

-- covered_prescriptions: each prescription of the concepts as the days it covers,
-- issued_on .. issued_on + days_supply - 1. A missing (or non-positive) days_supply covers
-- p_default_days_supply days.
CREATE OR REPLACE TEMP MACRO covered_prescriptions(p_concepts, p_default_days_supply) AS TABLE
SELECT patient_id, code_system, code, event_date AS covered_start,
       event_date + (CASE WHEN days_supply >= 1 THEN days_supply
                          ELSE p_default_days_supply END) - 1 AS covered_end
FROM concept_events
WHERE source_table = 'prescriptions'
  AND list_contains(p_concepts, concept);

-- drug_eras: covered periods of the concepts (one drug class) joined into eras when the days
-- strictly between them are p_max_gap_days or fewer; overlaps merge. Gaps and islands: a
-- prescription starts a new era when it begins more than p_max_gap_days + 1 days after the
-- latest end of every earlier one. era_days counts up to the as-of date (an era running past
-- it is cut there); era_end is the covered end, which may lie after the as-of date.
CREATE OR REPLACE TEMP MACRO drug_eras(p_concepts, p_as_of, p_default_days_supply,
                                       p_max_gap_days) AS TABLE
WITH covered AS (
    SELECT patient_id, covered_start, covered_end,
           max(covered_end) OVER (
               PARTITION BY patient_id ORDER BY covered_start, covered_end
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
           ) AS latest_earlier_end
    FROM covered_prescriptions(p_concepts, p_default_days_supply)
),
breaks AS (
    SELECT patient_id, covered_start, covered_end,
           CASE WHEN covered_start - latest_earlier_end - 1 <= p_max_gap_days THEN 0
                ELSE 1 END AS starts_era
    FROM covered
),
numbered AS (
    -- starts_era DESC: among prescriptions starting on one day, the one that starts the era
    -- (if any) counts first.
    SELECT patient_id, covered_start, covered_end,
           sum(starts_era) OVER (
               PARTITION BY patient_id ORDER BY covered_start, covered_end, starts_era DESC
               ROWS UNBOUNDED PRECEDING
           ) AS era_number
    FROM breaks
),
eras AS (
    SELECT patient_id,
           era_number,
           min(covered_start) AS era_start,
           max(covered_end) AS era_end,
           count(*)::INTEGER AS era_prescriptions
    FROM numbered
    GROUP BY patient_id, era_number
)
SELECT patient_id, era_number, era_start, era_end,
       (least(era_end, p_as_of) - era_start + 1)::INTEGER AS era_days,
       era_prescriptions
FROM eras;

-- coded_membership: anyone with a code of the concepts in one of the source tables.
-- Evidence: the earliest such event (ties: source_table, code_system, code), taken as the
-- minimum of a struct in that order (an aggregate, cheaper than a window over every event).
CREATE OR REPLACE TEMP MACRO coded_membership(p_cohort, p_run_id, p_concepts, p_sources) AS TABLE
WITH earliest AS (
    SELECT patient_id,
           min({'event_date': event_date, 'source_table': source_table,
                'code_system': code_system, 'code': code}) AS first_event
    FROM concept_events
    WHERE list_contains(p_concepts, concept)
      AND list_contains(p_sources, source_table)
    GROUP BY patient_id
)
SELECT patient_id,
       p_cohort AS cohort,
       concat('code in ', first_event.source_table) AS rule,
       first_event.code_system AS evidence_code_system,
       first_event.code AS evidence_code,
       first_event.event_date AS evidence_date,
       p_run_id AS run_id
FROM earliest
WHERE patient_id IN (SELECT patient_id FROM population);

-- long_term_era_membership: an era of at least p_min_era_days that ended no more than
-- p_max_days_since_end days before the as-of date (or is still running). Evidence: the
-- qualifying era that ends last.
CREATE OR REPLACE TEMP MACRO long_term_era_membership(p_cohort, p_run_id, p_concepts, p_as_of,
                                                      p_default_days_supply, p_max_gap_days,
                                                      p_min_era_days,
                                                      p_max_days_since_end) AS TABLE
SELECT patient_id,
       p_cohort AS cohort,
       concat('era >= ', p_min_era_days, ' days') AS rule,
       era_start,
       era_end,
       era_days,
       era_prescriptions,
       p_run_id AS run_id
FROM drug_eras(p_concepts, p_as_of, p_default_days_supply, p_max_gap_days)
WHERE era_days >= p_min_era_days
  AND era_end >= p_as_of - p_max_days_since_end
  AND patient_id IN (SELECT patient_id FROM population)
QUALIFY row_number() OVER (PARTITION BY patient_id ORDER BY era_end DESC) = 1;

-- current_use_membership: a prescription whose covered period reaches into the
-- p_max_days_since_cover days before the as-of date (covered_end >= as-of - that; issued on
-- or before the as-of date). Evidence: the latest such prescription (ties: latest covered
-- end, then code_system, code).
CREATE OR REPLACE TEMP MACRO current_use_membership(p_cohort, p_run_id, p_concepts, p_as_of,
                                                    p_default_days_supply,
                                                    p_max_days_since_cover) AS TABLE
SELECT patient_id,
       p_cohort AS cohort,
       concat('covered within ', p_max_days_since_cover, ' days') AS rule,
       code_system AS evidence_code_system,
       code AS evidence_code,
       covered_start AS evidence_date,
       p_run_id AS run_id
FROM covered_prescriptions(p_concepts, p_default_days_supply)
WHERE covered_end >= p_as_of - p_max_days_since_cover
  AND patient_id IN (SELECT patient_id FROM population)
QUALIFY row_number() OVER (
    PARTITION BY patient_id ORDER BY covered_start DESC, covered_end DESC, code_system, code
) = 1;
