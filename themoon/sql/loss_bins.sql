-- Batches per (product, operator, loss rounded to 0.01 %) in [$since, $until], grouped on the
-- packed loss_key (decoded in Python): the histogram behind quartiles and box plots.
SELECT loss_key, count(*) AS batches
  FROM batch_facts
 WHERE day BETWEEN $since AND $until
 GROUP BY loss_key;
