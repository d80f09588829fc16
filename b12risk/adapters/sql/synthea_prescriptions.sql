-- Synthea medications.csv -> prescriptions (RxNorm), issued at START; days supplied from
-- START to STOP capped to 1..365, missing when STOP is.
INSERT INTO extract_prescriptions
SELECT adapter_token(PATIENT), 'RXNORM', trim(CODE), adapter_date(START),
       adapter_days_supply(adapter_date(START), adapter_date(STOP))
FROM read_csv($medications, all_varchar = true, header = true);
