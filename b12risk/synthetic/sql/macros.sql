-- Deterministic pseudo-random numbers for the synthetic extract generator. Every number is a
-- hash of (seed, row key, stream), so a seed gives the same extract whatever the thread count
-- or the order DuckDB happens to work in (random() would not). TEMP: they live as long as the
-- generator's connection.

-- gen_u: uniform in (0, 1) from 53 bits of hash(hash(seed, a, b, stream)). The outer hash
-- matters: DuckDB combines the hashes of several values linearly enough that two streams of
-- one row differ by a fixed xor (correlation ~0.97); hashing the combination again mixes
-- them into independent numbers.
CREATE OR REPLACE TEMP MACRO gen_u(p_seed, p_a, p_b, p_stream) AS
    ((hash(hash(p_seed, p_a, p_b, p_stream)) >> 11)::DOUBLE + 0.5) / 9007199254740992.0;

-- gen_z: standard normal (Box-Muller over two independent uniforms).
CREATE OR REPLACE TEMP MACRO gen_z(p_seed, p_a, p_b, p_stream) AS
    sqrt(-2.0 * ln(gen_u(p_seed, p_a, p_b, p_stream)))
    * cos(2.0 * pi() * gen_u(p_seed, p_a, p_b, p_stream + 7919));

-- gen_int: a whole number in 0 .. p_n - 1.
CREATE OR REPLACE TEMP MACRO gen_int(p_seed, p_a, p_b, p_stream, p_n) AS
    floor(gen_u(p_seed, p_a, p_b, p_stream) * p_n)::BIGINT;

-- gen_option: one element of a '|'-separated list of options (repeat an option to weight it).
CREATE OR REPLACE TEMP MACRO gen_option(p_options, p_u) AS
    string_split(p_options, '|')[1 + floor(p_u * len(string_split(p_options, '|')))::INTEGER];

-- gen_mix: one xor-shift-multiply round of gen_token (a bijection on 0 .. 2^40 - 1).
CREATE OR REPLACE TEMP MACRO gen_mix(p_x, p_shift) AS
    (xor(p_x, p_x >> p_shift) * 2654435) % 1099511627776;

-- gen_token: a 10-hex-digit pseudonymous patient token for 0 <= p_i < 2^40. Each step
-- (add a seeded key, multiply by an odd number, xor-shift; all modulo 2^40) is a bijection,
-- so different patients never share a token.
CREATE OR REPLACE TEMP MACRO gen_token(p_seed, p_i) AS
    printf('%010x', gen_mix(gen_mix(
        (p_i::BIGINT * 5039 + (hash(p_seed, 'patient token') % 1099511627776)::BIGINT)
        % 1099511627776, 17), 21));

-- gen_episode_days: a lognormal episode length in days (at most 100 years).
CREATE OR REPLACE TEMP MACRO gen_episode_days(p_seed, p_pidx, p_trait_no, p_median, p_sigma) AS
    least(36500, floor(p_median * exp(p_sigma * gen_z(p_seed, p_pidx, p_trait_no, 23))))::INTEGER;

-- gen_settings: the run's parameters as a one-row table, for the views (a view cannot hold
-- prepared parameters).
CREATE OR REPLACE TEMP TABLE gen_settings AS
SELECT $seed::BIGINT AS seed, $bad_rows::DOUBLE AS bad_rows;
