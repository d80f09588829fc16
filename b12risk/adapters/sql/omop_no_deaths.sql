-- No death.csv: nobody has a death date.
CREATE OR REPLACE TEMP TABLE omop_deaths (patient_id VARCHAR, died_on DATE);
