-- code_format_failures: the distinct (code_system, code) pairs the codes model failed
-- (code_failure_frame, registered by the caller). Events join it for code_format_ok.
CREATE OR REPLACE TABLE code_format_failures AS
SELECT code_system, code
FROM code_failure_frame;
