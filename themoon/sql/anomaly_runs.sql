-- Runs of consecutive anomalous batches of one product (SPEC §4), newest first; loaded once per
-- refresh and filtered in memory.
-- anomaly_facts.run_no numbers a product's runs (a run starts where run_length is 1).
WITH r AS (
    SELECT pkey, run_no,
           min(day) AS first_day, max(day) AS last_day, arg_min(id, (day, id)) AS first_batch,
           arg_max(id, (day, id)) AS last_batch,
           count(*) AS length,
           max(abs(variance_exact_pct)) AS worst_abs_variance_pct,
           avg(variance_exact_pct) AS mean_variance_pct,
           count(*) FILTER (WHERE alert_level = 2) AS critical,
           count(*) FILTER (WHERE alert_direction = 1) AS high,
           bool_and(resolved) AS resolved,
           sum(excess_loss_won) AS excess_loss_won
      FROM anomaly_facts
     GROUP BY pkey, run_no
)
SELECT pr.code AS product, pr.kind, r.first_day, r.last_day, r.first_batch, r.last_batch, r.length,
       round(r.worst_abs_variance_pct, 2) AS worst_abs_variance_pct,
       round(r.mean_variance_pct, 2) AS mean_variance_pct,
       r.critical, CASE WHEN r.high * 2 >= r.length THEN 'HIGH' ELSE 'LOW' END AS direction,
       r.resolved, r.excess_loss_won
  FROM r JOIN products pr ON pr.pkey = r.pkey
 ORDER BY r.last_day DESC, pr.p;
