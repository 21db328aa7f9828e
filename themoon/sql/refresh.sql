-- Materialise the store into DuckDB-native tables, once per refresh (themoon.analytics).
-- The SQLite file is attached read-only as `store`; `settings` was loaded from Python
-- (cost_settings.history, with the built-in defaults as version 0). Statements end with ';'
-- at the end of a line.

CREATE OR REPLACE TEMP TABLE raw_batches AS
SELECT id::INTEGER AS id,
       CAST(roasted_on AS DATE) AS day,
       COALESCE(bean_id, -blend_id)::INTEGER AS pkey,
       roasted_g::INTEGER AS roasted_g,
       operator,
       expected_loss_bp::SMALLINT AS stored_bp
  FROM store.roast_batches;

CREATE OR REPLACE TEMP TABLE raw_comp AS
SELECT batch_id::INTEGER AS batch_id, bean_id::INTEGER AS bean_id,
       green_g::INTEGER AS green_g, green_cost_won::INTEGER AS green_cost_won
  FROM store.roast_components;

CREATE OR REPLACE TEMP TABLE comp AS
SELECT batch_id, SUM(green_g)::BIGINT AS green_g, SUM(green_cost_won)::BIGINT AS green_cost_won
  FROM raw_comp
 GROUP BY batch_id;

-- Products: blends first, then beans (catalog.list_products order); pkey = bean id or −blend id.
CREATE OR REPLACE TABLE products AS
SELECT (row_number() OVER (ORDER BY kind_order, id))::SMALLINT AS p, kind, id::INTEGER AS id,
       (CASE WHEN kind = 'bean' THEN id ELSE -id END)::INTEGER AS pkey,
       code, name_en, name_ko,
       CASE WHEN roast_level = '' THEN '(none)' ELSE roast_level END AS roast_level,
       active::BOOLEAN AS active, expected_loss_bp::SMALLINT AS own_bp
  FROM (SELECT 0 AS kind_order, 'blend' AS kind, id, code, name_en, name_ko, 'BLEND' AS roast_level,
               active, expected_loss_bp FROM store.blends
        UNION ALL
        SELECT 1, 'bean', id, code, name_en, name_ko, roast_level, active, expected_loss_bp FROM store.beans);

CREATE OR REPLACE TABLE beans AS
SELECT id::INTEGER AS bean_id, code, name_en, name_ko, roast_level, active::BOOLEAN AS active,
       reorder_point_g::BIGINT AS reorder_point_g
  FROM store.beans;

CREATE OR REPLACE TABLE recipe AS
SELECT blend_id::INTEGER AS blend_id, bean_id::INTEGER AS bean_id, parts::INTEGER AS parts
  FROM store.blend_components;

CREATE OR REPLACE TABLE menu AS
SELECT id::INTEGER AS id, code, name_en, name_ko, channel,
       COALESCE(bean_id, -blend_id)::INTEGER AS pkey, dose_g::INTEGER AS dose_g,
       price_won::BIGINT AS price_won, extra_cost_won::BIGINT AS extra_cost_won, active::BOOLEAN AS active
  FROM store.menu_items;

CREATE OR REPLACE TEMP TABLE alerts_raw AS
SELECT batch_id::INTEGER AS batch_id,
       (CASE level WHEN 'CRITICAL' THEN 2 ELSE 1 END)::TINYINT AS level,
       (CASE direction WHEN 'HIGH' THEN 1 ELSE -1 END)::TINYINT AS direction,
       run_length::INTEGER AS run_length, resolved_at IS NOT NULL AS resolved
  FROM store.loss_alerts;

-- Green used per bean and day (every component: single origins and blends).
CREATE OR REPLACE TABLE bean_daily AS
SELECT r.day, c.bean_id::INTEGER AS bean_id, SUM(c.green_g)::BIGINT AS green_g,
       SUM(c.green_cost_won)::BIGINT AS green_cost_won
  FROM raw_comp c JOIN raw_batches r ON r.id = c.batch_id
 GROUP BY r.day, c.bean_id;

DROP TABLE raw_comp;

CREATE TYPE operator_name AS ENUM (SELECT DISTINCT operator FROM raw_batches ORDER BY operator);

-- One row per roasting day: its session green grams and the settings in force.
CREATE OR REPLACE TEMP TABLE sessions AS
WITH s AS (
    SELECT r.day, SUM(c.green_g)::BIGINT AS session_green_g
      FROM raw_batches r JOIN comp c ON c.batch_id = r.id
     GROUP BY r.day
)
SELECT s.day, s.session_green_g, st.expected_loss_bp, st.roasting_won_per_kg AS rate, st.sf60
  FROM s ASOF JOIN settings st ON s.day >= st.effective_from;

-- One row per batch, with the exact costs of costing.batch_cost (integer arithmetic, half-up):
--   total = C + rate × r/1000 + sf60/60 × g/S      (C: frozen green cost, r: roasted g,
--   g: green g, S: the day's session green g, sf60 = labour ₩/h × minutes + 60 × (energy + misc)),
--   so total = C + n/d with n = 60·S·rate·r + 1000·sf60·g and d = 60000·S (C is whole won, so
--   half-up of the total is C + half-up of n/d), and cost per roasted kg = (C·d + n) / (60·S·r).
-- Half-up of a non-negative a/b is (2a + b) // (2b). {INT} is BIGINT (HUGEINT if that overflows).
CREATE OR REPLACE TABLE batch_facts AS
WITH x AS (
    SELECT r.id, r.day, r.pkey, r.operator, r.roasted_g::{INT} AS roasted_g, c.green_g::{INT} AS green_g,
           c.green_cost_won::{INT} AS green_cost_won, s.session_green_g::{INT} AS session_green_g,
           COALESCE(r.stored_bp, s.expected_loss_bp)::{INT} AS bp, s.rate::{INT} AS rate, s.sf60::{INT} AS sf60
      FROM raw_batches r
      JOIN comp c ON c.batch_id = r.id
      JOIN sessions s ON s.day = r.day
), y AS (
    SELECT x.*,
           60 * x.session_green_g * x.rate * x.roasted_g + 1000 * x.sf60 * x.green_g AS n,
           60000 * x.session_green_g AS d,
           (x.green_g - x.roasted_g) * 10000 - x.bp * x.green_g AS vnum
      FROM x
)
SELECT y.id, y.day, y.pkey, y.operator::operator_name AS operator,
       y.green_g::INTEGER AS green_g, y.roasted_g::INTEGER AS roasted_g,
       y.green_cost_won::INTEGER AS green_cost_won, y.bp::SMALLINT AS bp,
       (y.green_cost_won + (2 * y.n + y.d) // (2 * y.d))::INTEGER AS batch_cost_won,
       ((2 * (y.green_cost_won * y.d + y.n) + 60 * y.session_green_g * y.roasted_g)
           // (120 * y.session_green_g * y.roasted_g))::INTEGER AS cost_per_kg_won,
       ((2 * y.rate * y.roasted_g + 1000) // 2000)::INTEGER AS roasting_cost_won,
       ((2 * y.sf60 * y.green_g + 60 * y.session_green_g) // (120 * y.session_green_g))::INTEGER AS session_cost_won,
       -- loss and variance rounded half-up to 0.01 % (= costing.round_decimal(…, 2)), in basis points
       ((2 * (y.green_g - y.roasted_g) * 10000 + y.green_g) // (2 * y.green_g))::SMALLINT AS loss_bp,
       (sign(y.vnum) * ((2 * abs(y.vnum) + y.green_g) // (2 * y.green_g)))::SMALLINT AS variance_bp,
       COALESCE(a.level, 0)::TINYINT AS alert_level,
       COALESCE(a.direction, 0)::TINYINT AS alert_direction,
       COALESCE(a.run_length, 0)::INTEGER AS run_length,
       COALESCE(a.resolved, FALSE) AS resolved,
       -- (product, operator, loss bp) packed in one integer: loss histograms group by one column
       ((y.pkey::BIGINT + 1000000) * 65536 + enum_code(y.operator::operator_name)) * 65536
           + (2 * (y.green_g - y.roasted_g) * 10000 + y.green_g) // (2 * y.green_g) + 32768 AS loss_key
  FROM y
  LEFT JOIN alerts_raw a ON a.batch_id = y.id;

CREATE OR REPLACE TABLE purchases AS
SELECT id::INTEGER AS id, CAST(purchased_on AS DATE) AS day, bean_id::INTEGER AS bean_id,
       grams::BIGINT AS grams, total_won::BIGINT AS total_won
  FROM store.purchases;

CREATE OR REPLACE TABLE adjustments AS
SELECT id::INTEGER AS id, CAST(adjusted_on AS DATE) AS day, bean_id::INTEGER AS bean_id, delta_g::BIGINT AS delta_g
  FROM store.stock_adjustments;

DROP TABLE comp;

DROP TABLE raw_batches;

-- Every day from the first to the last movement, with the period each day falls in.
CREATE OR REPLACE TABLE calendar AS
WITH span AS (
    SELECT min(day) AS lo, max(day) AS hi
      FROM (SELECT day FROM sessions UNION ALL SELECT day FROM purchases UNION ALL SELECT day FROM adjustments)
)
SELECT d::DATE AS day, date_trunc('week', d)::DATE AS week, date_trunc('month', d)::DATE AS month,
       date_trunc('quarter', d)::DATE AS quarter, date_trunc('year', d)::DATE AS year
  FROM span, range(span.lo::TIMESTAMP, span.hi::TIMESTAMP + INTERVAL 1 DAY, INTERVAL 1 DAY) t(d)
 WHERE span.lo IS NOT NULL;

-- Batches summed per day, product and operator: what trends, KPIs and loss money read.
-- Excess loss: green grams lost beyond the expectation, (loss − expected) × green_g = vnum/10000,
-- priced at the batch's frozen green cost per gram.
CREATE OR REPLACE TABLE daily AS
WITH d AS (
    SELECT day, pkey, operator,
           count(*)::INTEGER AS batches,
           sum(roasted_g)::BIGINT AS roasted_g,
           sum(green_g)::BIGINT AS green_g,
           sum(green_cost_won)::BIGINT AS green_cost_won,
           sum(batch_cost_won)::BIGINT AS roast_cost_won,
           sum(100.0 * (green_g - roasted_g) / green_g) AS sum_loss_pct,
           sum((100.0 * (green_g - roasted_g) / green_g) ** 2) AS sum_sq_loss_pct,
           sum(bp)::BIGINT AS sum_bp,
           sum(greatest(vnum, 0) / 10000.0) AS excess_lost_g,
           sum(greatest(vnum, 0) / 10000.0 * green_cost_won / green_g) AS excess_loss_won,
           sum(vnum / 10000.0 * green_cost_won / green_g) AS net_extra_loss_won,
           count(*) FILTER (WHERE vnum > 0)::INTEGER AS batches_above,
           count(*) FILTER (WHERE alert_level > 0)::INTEGER AS anomalies,
           count(*) FILTER (WHERE alert_level = 2)::INTEGER AS critical
      FROM (SELECT *, (green_g - roasted_g)::BIGINT * 10000 - bp::BIGINT * green_g AS vnum FROM batch_facts)
     GROUP BY day, pkey, operator
)
SELECT d.*, c.week, c.month, c.quarter, c.year
  FROM d JOIN calendar c ON c.day = d.day
 ORDER BY d.day;

-- The anomalous batches, numbered into runs: a run starts where run_length is 1.
CREATE OR REPLACE TABLE anomaly_facts AS
SELECT f.*,
       100.0 * ((f.green_g - f.roasted_g)::BIGINT * 10000 - f.bp::BIGINT * f.green_g) / (10000.0 * f.green_g)
           AS variance_exact_pct,
       greatest((f.green_g - f.roasted_g)::BIGINT * 10000 - f.bp::BIGINT * f.green_g, 0) / 10000.0 AS excess_lost_g,
       greatest((f.green_g - f.roasted_g)::BIGINT * 10000 - f.bp::BIGINT * f.green_g, 0) / 10000.0
           * f.green_cost_won / f.green_g AS excess_loss_won,
       sum(CASE WHEN f.run_length = 1 THEN 1 ELSE 0 END) OVER (PARTITION BY f.pkey ORDER BY f.day, f.id) AS run_no
  FROM batch_facts f
 WHERE f.alert_level > 0;

DROP TABLE alerts_raw;

DROP TABLE sessions;
