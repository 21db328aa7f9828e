-- Materialise the store into DuckDB-native tables, once per refresh (themoon.analytics.snapshot):
-- this first half reads the store; refresh_facts.sql is the second.
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
SELECT s.day, s.session_green_g, st.expected_loss_bp, st.v
  FROM s ASOF JOIN settings st ON s.day >= st.effective_from;

-- One row per batch with what its cost needs: frozen green cost, grams, the day's session green
-- grams and the settings version in force (`v`: its expected loss, roasting rate and sf60 = 60 ×
-- the session's fixed costs). Python turns these into the batch's costs and rounded loss with
-- themoon.costing (batch_cost_won, loss_and_variance_bp) and hands them back as `batch_costs`
-- (refresh_facts.sql). Narrow types: a million rows of these are held during the load.
CREATE OR REPLACE TEMP TABLE batch_inputs AS
SELECT r.id, r.day, r.pkey, r.operator::operator_name AS operator, r.roasted_g, c.green_g::INTEGER AS green_g,
       c.green_cost_won::INTEGER AS green_cost_won, s.session_green_g::BIGINT AS session_green_g,
       COALESCE(r.stored_bp, s.expected_loss_bp)::SMALLINT AS bp, s.v
  FROM raw_batches r
  JOIN comp c ON c.batch_id = r.id
  JOIN sessions s ON s.day = r.day;

CREATE OR REPLACE TABLE purchases AS
SELECT id::INTEGER AS id, CAST(purchased_on AS DATE) AS day, bean_id::INTEGER AS bean_id,
       grams::BIGINT AS grams, total_won::BIGINT AS total_won
  FROM store.purchases;

CREATE OR REPLACE TABLE adjustments AS
SELECT id::INTEGER AS id, CAST(adjusted_on AS DATE) AS day, bean_id::INTEGER AS bean_id, delta_g::BIGINT AS delta_g
  FROM store.stock_adjustments;

DROP TABLE comp;

DROP TABLE raw_batches;
