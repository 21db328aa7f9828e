-- The second half of a refresh (themoon.analytics.snapshot): after Python has computed the batch
-- costs and filled `batch_facts` (batch_facts.sql), what is summed from them.
-- Statements end with ';' at the end of a line.

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
