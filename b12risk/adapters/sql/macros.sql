-- Shared conversions of the adapters: pseudonymous tokens, dates, days supplied.
-- A Synthea id (a UUID, sometimes in braces) without its braces; NULL unless it is a token.
CREATE OR REPLACE TEMP MACRO adapter_token(raw) AS (
    CASE WHEN regexp_full_match(trim(trim(raw), '{}'), '[A-Za-z0-9_-]{1,64}')
         THEN trim(trim(raw), '{}') END
);
-- The date part of '2023-01-27', '2023-01-27T16:17:47Z' or '2023-01-27 00:00:00'; NULL otherwise.
CREATE OR REPLACE TEMP MACRO adapter_date(raw) AS (
    try_cast(left(trim(raw), 10) AS DATE)
);
-- Days from start to stop, capped to 1..365; NULL when stop is missing or before start.
CREATE OR REPLACE TEMP MACRO adapter_days_supply(start_on, stop_on) AS (
    CASE WHEN start_on IS NULL OR stop_on IS NULL OR stop_on < start_on THEN NULL
         ELSE least(365, greatest(1, date_diff('day', start_on, stop_on))) END
);
