-- One row per batch of ids [$lo, $hi): its inputs, its costs and loss from themoon.costing
-- (`batch_costs`: Python's arrays for these ids, computed from batch_inputs) and its alert.
-- themoon.analytics.snapshot creates `batch_facts` from the first slice and inserts the others,
-- so only one slice of costs and one slice's join are in memory at a time.
SELECT i.id, i.day, i.pkey, i.operator::operator_name AS operator,
       i.green_g::INTEGER AS green_g, i.roasted_g::INTEGER AS roasted_g,
       i.green_cost_won::INTEGER AS green_cost_won, i.bp::SMALLINT AS bp,
       k.batch_cost_won::INTEGER AS batch_cost_won, k.cost_per_kg_won::INTEGER AS cost_per_kg_won,
       k.roasting_cost_won::INTEGER AS roasting_cost_won, k.session_cost_won::INTEGER AS session_cost_won,
       k.loss_bp::SMALLINT AS loss_bp, k.variance_bp::SMALLINT AS variance_bp,
       COALESCE(a.level, 0)::TINYINT AS alert_level,
       COALESCE(a.direction, 0)::TINYINT AS alert_direction,
       COALESCE(a.run_length, 0)::INTEGER AS run_length,
       COALESCE(a.resolved, FALSE) AS resolved,
       -- (product, operator, loss bp) packed in one integer: loss histograms group by one column
       ((i.pkey::BIGINT + 1000000) * 65536 + enum_code(i.operator::operator_name)) * 65536
           + k.loss_bp + 32768 AS loss_key
  FROM batch_inputs i
  JOIN batch_costs k ON k.id = i.id
  LEFT JOIN alerts_raw a ON a.batch_id = i.id
 WHERE i.id >= $lo AND i.id < $hi
