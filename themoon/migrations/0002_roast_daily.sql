-- Green coffee roasted per bean and day, kept by triggers in the same transaction as the batch.
--
-- Stock and the moving-average green cost only need each day's roast total: within a day the
-- ledger order is purchases, then roasts, then stocktake adjustments, so the balance before a
-- purchase and the lowest balance after any point are the same whether a day's roasts are read
-- one by one or summed. Reading these totals instead of every roast component keeps a stock
-- check or a save fast on a store of a million batches (themoon.inventory.BeanLedger).
CREATE TABLE roast_daily (
    bean_id        INTEGER NOT NULL REFERENCES beans(id),
    roasted_on     TEXT    NOT NULL,
    green_g        INTEGER NOT NULL,
    green_cost_won INTEGER NOT NULL,
    components     INTEGER NOT NULL,
    PRIMARY KEY (bean_id, roasted_on)
);

INSERT INTO roast_daily (bean_id, roasted_on, green_g, green_cost_won, components)
SELECT c.bean_id, b.roasted_on, SUM(c.green_g), SUM(c.green_cost_won), COUNT(*)
  FROM roast_components c JOIN roast_batches b ON b.id = c.batch_id
 GROUP BY c.bean_id, b.roasted_on;

CREATE TRIGGER roast_daily_add AFTER INSERT ON roast_components
BEGIN
    INSERT INTO roast_daily (bean_id, roasted_on, green_g, green_cost_won, components)
    VALUES (NEW.bean_id, (SELECT roasted_on FROM roast_batches WHERE id = NEW.batch_id),
            NEW.green_g, NEW.green_cost_won, 1)
    ON CONFLICT (bean_id, roasted_on) DO UPDATE
       SET green_g = green_g + excluded.green_g,
           green_cost_won = green_cost_won + excluded.green_cost_won,
           components = components + 1;
END;

CREATE TRIGGER roast_daily_remove AFTER DELETE ON roast_components
BEGIN
    UPDATE roast_daily
       SET green_g = green_g - OLD.green_g,
           green_cost_won = green_cost_won - OLD.green_cost_won,
           components = components - 1
     WHERE bean_id = OLD.bean_id
       AND roasted_on = (SELECT roasted_on FROM roast_batches WHERE id = OLD.batch_id);
    DELETE FROM roast_daily WHERE bean_id = OLD.bean_id AND components = 0;
END;

CREATE TRIGGER roast_daily_change AFTER UPDATE OF batch_id, bean_id, green_g, green_cost_won ON roast_components
BEGIN
    UPDATE roast_daily
       SET green_g = green_g - OLD.green_g,
           green_cost_won = green_cost_won - OLD.green_cost_won,
           components = components - 1
     WHERE bean_id = OLD.bean_id
       AND roasted_on = (SELECT roasted_on FROM roast_batches WHERE id = OLD.batch_id);
    INSERT INTO roast_daily (bean_id, roasted_on, green_g, green_cost_won, components)
    VALUES (NEW.bean_id, (SELECT roasted_on FROM roast_batches WHERE id = NEW.batch_id),
            NEW.green_g, NEW.green_cost_won, 1)
    ON CONFLICT (bean_id, roasted_on) DO UPDATE
       SET green_g = green_g + excluded.green_g,
           green_cost_won = green_cost_won + excluded.green_cost_won,
           components = components + 1;
    DELETE FROM roast_daily WHERE bean_id = OLD.bean_id AND components = 0;
END;

-- A batch moved to another day takes its components' totals along.
CREATE TRIGGER roast_daily_move AFTER UPDATE OF roasted_on ON roast_batches
WHEN OLD.roasted_on <> NEW.roasted_on
BEGIN
    UPDATE roast_daily
       SET green_g = green_g - (SELECT c.green_g FROM roast_components c
                                 WHERE c.batch_id = NEW.id AND c.bean_id = roast_daily.bean_id),
           green_cost_won = green_cost_won - (SELECT c.green_cost_won FROM roast_components c
                                               WHERE c.batch_id = NEW.id AND c.bean_id = roast_daily.bean_id),
           components = components - 1
     WHERE roasted_on = OLD.roasted_on
       AND bean_id IN (SELECT bean_id FROM roast_components WHERE batch_id = NEW.id);
    DELETE FROM roast_daily WHERE roasted_on = OLD.roasted_on AND components = 0;
    INSERT INTO roast_daily (bean_id, roasted_on, green_g, green_cost_won, components)
    SELECT bean_id, NEW.roasted_on, green_g, green_cost_won, 1
      FROM roast_components WHERE batch_id = NEW.id AND true
    ON CONFLICT (bean_id, roasted_on) DO UPDATE
       SET green_g = green_g + excluded.green_g,
           green_cost_won = green_cost_won + excluded.green_cost_won,
           components = components + 1;
END;

-- Deleting a batch deletes its components first, while the batch (and so its day) still exists;
-- the foreign key's cascade then finds nothing left to delete.
CREATE TRIGGER roast_daily_batch_gone BEFORE DELETE ON roast_batches
BEGIN
    DELETE FROM roast_components WHERE batch_id = OLD.id;
END;
