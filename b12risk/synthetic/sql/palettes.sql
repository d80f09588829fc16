-- The generator's committed palettes (data/generator/*.csv), loaded with explicit types so that
-- nothing depends on type sniffing. Weighted choices become slot tables: a palette's weights
-- spread over 1000 slots, so picking a code is an equality join on (palette, slot).

CREATE OR REPLACE TABLE gen_age_bands AS
WITH bands AS (
    SELECT * FROM read_csv($age_pyramid_path, header = true, auto_detect = false,
        columns = {'age_from': 'INTEGER', 'age_to': 'INTEGER', 'weight': 'DOUBLE'})
)
SELECT age_from, age_to,
       (sum(weight) OVER (ORDER BY age_from ROWS UNBOUNDED PRECEDING) - weight)
       / sum(weight) OVER () AS cum_from
FROM bands;

CREATE OR REPLACE TABLE gen_traits AS
SELECT row_number() OVER (ORDER BY trait)::INTEGER AS trait_no, *
FROM read_csv($traits_path, header = true, auto_detect = false, columns = {
    'trait': 'VARCHAR', 'p_0_15': 'DOUBLE', 'p_16_39': 'DOUBLE', 'p_40_64': 'DOUBLE',
    'p_65_plus': 'DOUBLE', 'onset_min_age': 'INTEGER', 'duration_median_days': 'DOUBLE',
    'duration_sigma': 'DOUBLE', 'p_ongoing': 'DOUBLE', 'stop_window_days': 'INTEGER',
    'b12_factor': 'DOUBLE', 'b12_test_boost': 'DOUBLE', 'description': 'VARCHAR'});

CREATE OR REPLACE TABLE gen_programs AS
SELECT row_number() OVER (ORDER BY program)::INTEGER AS program_no, *
FROM read_csv($programs_path, header = true, auto_detect = false, columns = {
    'program': 'VARCHAR', 'trait': 'VARCHAR', 'share_from': 'DOUBLE', 'share_to': 'DOUBLE',
    'source_table': 'VARCHAR', 'kind': 'VARCHAR', 'palette': 'VARCHAR',
    'then_palette': 'VARCHAR', 'lag_max_days': 'INTEGER', 'intervals': 'VARCHAR',
    'jitter_days': 'INTEGER', 'p_missing_supply': 'DOUBLE', 'p_short_supply': 'DOUBLE',
    'doses_mg': 'VARCHAR', 'p_gap': 'DOUBLE', 'records_max': 'INTEGER',
    'description': 'VARCHAR'});

CREATE OR REPLACE TABLE gen_labs AS
SELECT * FROM read_csv($labs_path, header = true, auto_detect = false, columns = {
    'lab': 'VARCHAR', 'code_system': 'VARCHAR', 'code': 'VARCHAR', 'median': 'DOUBLE',
    'sigma': 'DOUBLE', 'b12_pick_weight': 'DOUBLE', 'description': 'VARCHAR',
    'source': 'VARCHAR'});

CREATE OR REPLACE TABLE gen_code_palette AS
SELECT row_number() OVER (ORDER BY palette, code_system, code)::INTEGER AS item_id, *
FROM read_csv($codes_path, header = true, auto_detect = false, columns = {
    'palette': 'VARCHAR', 'code_system': 'VARCHAR', 'code': 'VARCHAR', 'weight': 'DOUBLE',
    'description': 'VARCHAR', 'source': 'VARCHAR'});

CREATE OR REPLACE TABLE gen_lab_units AS
SELECT row_number() OVER (ORDER BY lab, unit)::INTEGER AS item_id, *
FROM read_csv($lab_units_path, header = true, auto_detect = false, columns = {
    'lab': 'VARCHAR', 'unit': 'VARCHAR', 'weight': 'DOUBLE', 'factor': 'DOUBLE',
    'decimals': 'INTEGER', 'note': 'VARCHAR'});

-- gen_slots: every weighted list (codes of a palette, units of a lab, the B12 test kinds) as
-- 1000 slots per group; slot s goes to the item whose share of the weights covers s + 0.5.
CREATE OR REPLACE TABLE gen_slots AS
WITH items AS (
    SELECT 'code' AS list, palette AS grp, item_id, weight FROM gen_code_palette
    UNION ALL
    SELECT 'unit', lab, item_id, weight FROM gen_lab_units
    UNION ALL
    SELECT 'b12_lab', 'b12', row_number() OVER (ORDER BY lab)::INTEGER, b12_pick_weight
    FROM gen_labs WHERE b12_pick_weight > 0
),
shares AS (
    SELECT list, grp, item_id,
           1000.0 * (sum(weight) OVER w - weight) / sum(weight) OVER (PARTITION BY list, grp)
               AS slot_from,
           1000.0 * sum(weight) OVER w / sum(weight) OVER (PARTITION BY list, grp) AS slot_to
    FROM items
    WINDOW w AS (PARTITION BY list, grp ORDER BY item_id ROWS UNBOUNDED PRECEDING)
)
SELECT s.list, s.grp, k AS slot, s.item_id
FROM shares AS s
JOIN range(1000) AS r(k) ON k + 0.5 >= s.slot_from AND k + 0.5 < s.slot_to;

CREATE OR REPLACE TABLE gen_code_slots AS
SELECT s.grp AS palette, s.slot, c.code_system, c.code
FROM gen_slots AS s JOIN gen_code_palette AS c USING (item_id)
WHERE s.list = 'code';

CREATE OR REPLACE TABLE gen_lab_unit_slots AS
SELECT s.grp AS lab, s.slot, u.unit, u.factor, u.decimals
FROM gen_slots AS s JOIN gen_lab_units AS u USING (item_id)
WHERE s.list = 'unit';

CREATE OR REPLACE TABLE gen_b12_lab_slots AS
SELECT s.slot, l.lab
FROM gen_slots AS s
JOIN (SELECT row_number() OVER (ORDER BY lab)::INTEGER AS item_id, lab
      FROM gen_labs WHERE b12_pick_weight > 0) AS l USING (item_id)
WHERE s.list = 'b12_lab';

CREATE OR REPLACE TABLE gen_seq AS SELECT range::INTEGER AS k FROM range(1200);
