-- The five tables of extract contract v1, exactly its columns in its order, plus the sort keys
-- export.sql orders by (sort_pidx, sort_date, sort_rk) and drops.
CREATE OR REPLACE VIEW gen_export_patients AS
SELECT patient_id, year_of_birth, month_of_birth, sex, practice_id,
       strftime(registered_on, '%Y-%m-%d') AS registered_on,
       strftime(deregistered_on, '%Y-%m-%d') AS deregistered_on,
       strftime(died_on, '%Y-%m-%d') AS died_on,
       pidx AS sort_pidx, NULL::DATE AS sort_date, 0 AS sort_rk
FROM (SELECT pidx, patient_id, year_of_birth, month_of_birth, sex, practice_id, registered_on,
             deregistered_on, died_on FROM gen_patients
      UNION ALL
      SELECT * FROM gen_planted_patients);

CREATE OR REPLACE VIEW gen_export_diagnoses AS
SELECT patient_id, code_system, code, event_on AS recorded_on, sort_pidx, sort_date, sort_rk
FROM gen_events WHERE source_table = 'diagnoses';

CREATE OR REPLACE VIEW gen_export_prescriptions AS
SELECT patient_id, code_system, code, event_on AS issued_on, days_supply, daily_dose_mg,
       sort_pidx, sort_date, sort_rk
FROM gen_events WHERE source_table = 'prescriptions';

CREATE OR REPLACE VIEW gen_export_lab_results AS
SELECT patient_id, code_system, code, event_on AS taken_on, value, unit,
       sort_pidx, sort_date, sort_rk
FROM gen_events WHERE source_table = 'lab_results';

CREATE OR REPLACE VIEW gen_export_procedures AS
SELECT patient_id, code_system, code, event_on AS performed_on, sort_pidx, sort_date, sort_rk
FROM gen_events WHERE source_table = 'procedures';
