-- Every anomalous batch (loss alert), newest first; loaded once per refresh and filtered in memory.
SELECT f.id AS batch_id, f.day AS roasted_on, pr.code AS product, pr.kind, f.operator::VARCHAR AS operator,
       pr.roast_level, f.green_g, f.roasted_g, f.loss_bp / 100.0 AS loss_pct, f.bp / 100.0 AS expected_loss_pct,
       f.variance_bp / 100.0 AS variance_pct,
       CASE f.alert_level WHEN 2 THEN 'CRITICAL' ELSE 'WARNING' END AS level,
       CASE f.alert_direction WHEN 1 THEN 'HIGH' ELSE 'LOW' END AS direction,
       f.run_length, f.resolved, f.excess_lost_g, f.excess_loss_won, f.pkey
  FROM anomaly_facts f JOIN products pr ON pr.pkey = f.pkey
 ORDER BY f.day DESC, f.id DESC;
