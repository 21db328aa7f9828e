-- Money cost of loss above the expected, per period and product: extra green grams lost
-- ((loss − expected) × green_g), priced at the batch's frozen green cost per gram.
SELECT CASE $grain WHEN 'day' THEN d.day WHEN 'week' THEN d.week WHEN 'month' THEN d.month
                   WHEN 'quarter' THEN d.quarter ELSE d.year END AS period,
       pr.code AS product, pr.kind,
       sum(d.batches)::BIGINT AS batches,
       sum(d.batches_above)::BIGINT AS batches_above,
       sum(d.excess_lost_g) AS excess_lost_g,
       sum(d.excess_loss_won) AS excess_loss_won,
       sum(d.net_extra_loss_won) AS net_extra_loss_won,
       sum(d.green_cost_won)::BIGINT AS green_cost_won
  FROM daily d JOIN products pr ON pr.pkey = d.pkey
 WHERE d.day BETWEEN $since AND $until
 GROUP BY ALL
 ORDER BY period, product;
