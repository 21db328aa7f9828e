-- Sales (issue #13): what the till sold, per day and menu item, so profit, ROI and "where the
-- roasted coffee went" can be computed (themoon.sales, themoon.io.sales, costing.py's profit section).
--
-- One row per (source, day, menu item): `source` names the till or export it came from ('pos',
-- 'online', …). An import replaces whole days of its source, so importing a file twice, or an
-- overlapping export, never doubles a day. Quantities may be negative only through refunds
-- (the importer accepts a negative line only with a refund marker); money is integer won:
-- gross (list price × qty), discount, net (what was actually taken) as the export states them.
CREATE TABLE sales_daily (
    id           INTEGER PRIMARY KEY,
    source       TEXT    NOT NULL CHECK (length(source) BETWEEN 1 AND 40),
    sold_on      TEXT    NOT NULL CHECK (date(sold_on) = sold_on),
    menu_item_id INTEGER NOT NULL REFERENCES menu_items(id),
    qty          INTEGER NOT NULL CHECK (qty BETWEEN -10000000 AND 10000000),
    gross_won    INTEGER NOT NULL CHECK (abs(gross_won) <= 10000000000),
    discount_won INTEGER NOT NULL DEFAULT 0 CHECK (abs(discount_won) <= 10000000000),
    net_won      INTEGER NOT NULL CHECK (abs(net_won) <= 10000000000),
    UNIQUE (source, sold_on, menu_item_id)
);
-- Period queries (revenue, COGS, profit by day/week/month; the reconciliation of a month) read a
-- date range and need the item of each row: covering index on the day.
CREATE INDEX sales_daily_day ON sales_daily (sold_on, menu_item_id, qty, net_won);
-- One item's history (its volume before and after a price change, its menu-engineering class).
CREATE INDEX sales_daily_item ON sales_daily (menu_item_id, sold_on);

-- A name on the till mapped to one of our menu items, asked once (`--map "POS NAME=ITEM"`).
-- The same (source, name) key as import_name_map, which maps file names to beans and blends
-- (its CHECK requires a bean or a blend, so a menu item cannot live there without rebuilding it).
CREATE TABLE sales_name_map (
    source       TEXT    NOT NULL CHECK (length(source) BETWEEN 1 AND 40),
    name         TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    menu_item_id INTEGER NOT NULL REFERENCES menu_items(id),
    PRIMARY KEY (source, name)
);
