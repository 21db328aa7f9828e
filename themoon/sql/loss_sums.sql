-- Loss sums per (product, operator) in [$since, $until], from the daily cube.
SELECT pkey, operator,
       sum(batches)::BIGINT AS batches, sum(sum_loss_pct) AS sum_loss_pct, sum(sum_sq_loss_pct) AS sum_sq_loss_pct,
       sum(green_g)::BIGINT AS green_g, sum(roasted_g)::BIGINT AS roasted_g, sum(sum_bp)::BIGINT AS sum_bp,
       sum(anomalies)::BIGINT AS anomalies, sum(excess_lost_g) AS excess_lost_g, sum(excess_loss_won) AS excess_loss_won
  FROM daily
 WHERE day BETWEEN $since AND $until
 GROUP BY pkey, operator;
