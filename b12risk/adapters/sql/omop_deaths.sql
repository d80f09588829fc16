-- OMOP death -> omop_deaths: the earliest death date per person.
CREATE OR REPLACE TEMP TABLE omop_deaths AS
SELECT omop_token(person_id) AS patient_id, min(adapter_date(death_date)) AS died_on
FROM read_csv($death, all_varchar = true, header = true,
              columns = {'person_id': 'VARCHAR', 'death_date': 'VARCHAR',
                         'death_datetime': 'VARCHAR', 'death_type_concept_id': 'VARCHAR',
                         'cause_concept_id': 'VARCHAR', 'cause_source_value': 'VARCHAR',
                         'cause_source_concept_id': 'VARCHAR'})
GROUP BY ALL;
