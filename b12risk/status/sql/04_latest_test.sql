-- status_latest_test: each patient's latest test (status_test_results), one row a patient.
-- Latest = the latest taken_on. Several tests on that day: the worst result wins, so that a
-- deficient result is never hidden by a normal one taken the same day: deficient first, then
-- judged before not judged, then the lowest value in pmol/L, then the lowest code.
CREATE OR REPLACE TEMP TABLE status_latest_test AS
SELECT patient_id,
       taken_on AS last_test_on,
       code AS last_test_code,
       value_pmol_l AS last_result_pmol_l,
       judged AS last_result_judged,
       deficient AS last_result_deficient
FROM status_test_results
QUALIFY row_number() OVER (
    PARTITION BY patient_id
    ORDER BY taken_on DESC, deficient DESC, judged DESC, value_pmol_l ASC NULLS LAST,
             code ASC NULLS LAST
) = 1;
