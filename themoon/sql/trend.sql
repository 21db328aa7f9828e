-- Roasting trend per period ($grain: day | week | month | quarter | year), optionally per product.
WITH t AS (
    SELECT CASE $grain WHEN 'day' THEN d.day WHEN 'week' THEN d.week WHEN 'month' THEN d.month
                       WHEN 'quarter' THEN d.quarter ELSE d.year END AS period,
           CASE WHEN $by_product THEN d.pkey END AS pkey,
           sum(d.batches)::BIGINT AS batches,
           sum(d.roasted_g)::BIGINT AS roasted_g,
           sum(d.green_g)::BIGINT AS green_g,
           sum(d.green_cost_won)::BIGINT AS green_cost_won,
           sum(d.roast_cost_won)::BIGINT AS roast_cost_won,
           sum(d.sum_loss_pct) / sum(d.batches) AS avg_loss_pct,
           sum(d.sum_bp)::BIGINT AS sum_expected_bp,
           sum(d.excess_lost_g) AS excess_lost_g,
           sum(d.excess_loss_won) AS excess_loss_won,
           sum(d.anomalies)::BIGINT AS anomalies
      FROM daily d
     WHERE d.day BETWEEN $since AND $until AND ($product IS NULL OR d.pkey = $product)
     GROUP BY ALL
)
SELECT t.period, pr.code AS product, pr.kind, pr.name_en, pr.name_ko,
       t.batches, t.roasted_g, t.roasted_g / 1000.0 AS roasted_kg, t.green_g, t.green_cost_won, t.roast_cost_won,
       -- half-up to the won / to 0.01 %, in integer arithmetic (= costing.round_won / round_decimal)
       (2000 * t.roast_cost_won + t.roasted_g) // (2 * t.roasted_g) AS cost_per_roasted_kg_won,
       round(t.avg_loss_pct, 2) AS avg_loss_pct,
       ((2 * (t.green_g - t.roasted_g) * 10000 + t.green_g) // (2 * t.green_g)) / 100.0 AS weighted_loss_pct,
       round(t.sum_expected_bp / (100.0 * t.batches), 2) AS expected_loss_pct,
       t.excess_lost_g, t.excess_loss_won,
       t.anomalies
  FROM t LEFT JOIN products pr ON pr.pkey = t.pkey
 ORDER BY t.period, pr.p;
