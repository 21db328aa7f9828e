-- Distribution of batch loss (as shown, to 0.01 %) in bins of $bin_bp basis points, in
-- [$since, $until], optionally for one product.
SELECT (loss_bp // $bin_bp) * $bin_bp / 100.0 AS bin_start,
       (loss_bp // $bin_bp + 1) * $bin_bp / 100.0 AS bin_end,
       count(*) AS batches,
       count(*) FILTER (WHERE alert_level > 0) AS anomalies
  FROM batch_facts
 WHERE day BETWEEN $since AND $until AND ($product IS NULL OR pkey = $product)
 GROUP BY ALL
 ORDER BY bin_start;
