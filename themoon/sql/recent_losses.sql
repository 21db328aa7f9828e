-- The last 10 batches of every product up to $on, in (day, id) order (the `use_recent_loss` toggle).
SELECT pkey, arg_max({'g': green_g, 'r': roasted_g}, (day, id), 10) AS recent
  FROM batch_facts
 WHERE day <= $on
 GROUP BY pkey;
