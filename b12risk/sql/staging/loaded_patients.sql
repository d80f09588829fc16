-- loaded_patients: the patients that passed every rule, as the event tables see them
-- (event_patient_unknown, event_before_birth). TEMP: gone with the connection.
CREATE OR REPLACE TEMP VIEW loaded_patients AS
SELECT patient_id, year_of_birth
FROM parsed_patients
WHERE source_row NOT IN (
    SELECT source_row FROM validation_failures WHERE source_table = 'patients'
);
