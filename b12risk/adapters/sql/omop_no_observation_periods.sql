-- No observation_period.csv: no registration dates.
CREATE OR REPLACE TEMP TABLE omop_registration (patient_id VARCHAR, registered_on DATE);
