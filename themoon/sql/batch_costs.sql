-- Per-batch loss and cost columns (what roasting.list_batches shows), newest first.
SELECT f.id, f.day AS roasted_on, pr.code AS product, pr.kind AS product_kind, f.operator,
       f.green_g, f.roasted_g, f.green_cost_won, f.bp AS expected_loss_bp,
       f.loss_bp / 100.0 AS loss_pct, f.bp / 100.0 AS expected_loss_pct, f.variance_bp / 100.0 AS variance_pct,
       f.roasting_cost_won, f.session_cost_won, f.batch_cost_won, f.cost_per_kg_won AS cost_per_roasted_kg_won
  FROM batch_facts f JOIN products pr ON pr.pkey = f.pkey
 WHERE f.day BETWEEN $since AND $until AND ($ids IS NULL OR list_contains($ids, f.id))
 ORDER BY f.day DESC, f.id DESC;
