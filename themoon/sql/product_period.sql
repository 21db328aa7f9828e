-- Actual roast cost per product and period ($grain), for profitability and margin trends.
SELECT CASE $grain WHEN 'day' THEN d.day WHEN 'week' THEN d.week WHEN 'month' THEN d.month
                   WHEN 'quarter' THEN d.quarter ELSE d.year END AS period,
       d.pkey,
       sum(d.batches)::BIGINT AS batches, sum(d.roasted_g)::BIGINT AS roasted_g, sum(d.green_g)::BIGINT AS green_g,
       sum(d.roast_cost_won)::BIGINT AS roast_cost_won
  FROM daily d
 WHERE d.day BETWEEN $since AND $until
 GROUP BY ALL
 ORDER BY period, d.pkey;
