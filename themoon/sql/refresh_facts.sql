-- The second half of a refresh (themoon.analytics.snapshot): after Python has computed the batch
-- costs into `batch_costs` (id, batch_cost_won, cost_per_kg_won, roasting_cost_won,
-- session_cost_won, loss_bp, variance_bp), the batch facts and what is summed from them.
-- Statements end with ';' at the end of a line.

-- One row per batch: its inputs, its costs and loss from themoon.costing (`batch_costs`, computed
-- in Python from batch_inputs) and its alert.
CREATE OR REPLACE TABLE batch_facts AS
SELECT i.id, i.day, i.pkey, i.operator::operator_name AS operator,
       i.green_g::INTEGER AS green_g, i.roasted_g::INTEGER AS roasted_g,
       i.green_cost_won::INTEGER AS green_cost_won, i.bp::SMALLINT AS bp,
       k.batch_cost_won::INTEGER AS batch_cost_won, k.cost_per_kg_won::INTEGER AS cost_per_kg_won,
       k.roasting_cost_won::INTEGER AS roasting_cost_won, k.session_cost_won::INTEGER AS session_cost_won,
       k.loss_bp::SMALLINT AS loss_bp, k.variance_bp::SMALLINT AS variance_bp,
       COALESCE(a.level, 0)::TINYINT AS alert_level,
       COALESCE(a.direction, 0)::TINYINT AS alert_direction,
       COALESCE(a.run_length, 0)::INTEGER AS run_length,
       COALESCE(a.resolved, FALSE) AS resolved,
       -- (product, operator, loss bp) packed in one integer: loss histograms group by one column
       ((i.pkey::BIGINT + 1000000) * 65536 + enum_code(i.operator::operator_name)) * 65536
           + k.loss_bp + 32768 AS loss_key
  FROM batch_inputs i
  JOIN batch_costs k ON k.id = i.id
  LEFT JOIN alerts_raw a ON a.batch_id = i.id;

DROP TABLE batch_inputs;

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
