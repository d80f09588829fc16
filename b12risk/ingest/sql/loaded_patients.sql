-- loaded_patients: the patients that passed every rule, as the event tables see them
-- (event_patient_unknown, event_before_birth). Not TEMP: the batches stream through a second
-- connection (cursor), which sees no TEMP objects. Dropped with the staging tables.
CREATE OR REPLACE VIEW loaded_patients AS
SELECT patient_id, year_of_birth
FROM staging_patients
WHERE rowid + 1 NOT IN (
    SELECT source_row FROM validation_failures WHERE source_table = 'patients'
);
