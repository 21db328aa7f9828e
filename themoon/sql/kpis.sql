-- KPI cards of a period [$since, $until] (themoon.analytics.Analytics.kpis), from the daily cube.
SELECT COALESCE(sum(batches), 0)::BIGINT AS batches,
       count(DISTINCT day) AS sessions,
       COALESCE(sum(roasted_g), 0)::BIGINT AS roasted_g,
       COALESCE(sum(green_g), 0)::BIGINT AS green_g,
       COALESCE(sum(roast_cost_won), 0)::BIGINT AS roast_cost_won,
       COALESCE(sum(green_cost_won), 0)::BIGINT AS green_cost_won,
       COALESCE(sum(sum_bp), 0)::BIGINT AS sum_expected_bp,
       sum(sum_loss_pct) / sum(batches) AS avg_loss_pct,
       COALESCE(sum(excess_lost_g), 0) AS excess_lost_g,
       COALESCE(sum(excess_loss_won), 0) AS excess_loss_won,
       COALESCE(sum(net_extra_loss_won), 0) AS net_extra_loss_won,
       COALESCE(sum(anomalies), 0)::BIGINT AS anomalies,
       COALESCE(sum(critical), 0)::BIGINT AS critical
  FROM daily
 WHERE day BETWEEN $since AND $until;
