-- Sales (issue #13), read from the attached store during a refresh (themoon.analytics.sales):
-- what the till sold per day and menu item, every source summed (a source is where a row came
-- from, not a dimension the dashboard shows). Statements end with ';' at the end of a line.
CREATE OR REPLACE TABLE sales_raw AS
SELECT datediff('day', DATE '2000-01-01', CAST(sold_on AS DATE))::INTEGER AS dnum,
       menu_item_id::INTEGER AS item,
       SUM(qty)::BIGINT AS qty, SUM(gross_won)::BIGINT AS gross_won,
       SUM(discount_won)::BIGINT AS discount_won, SUM(net_won)::BIGINT AS net_won
  FROM store.sales_daily
 GROUP BY 1, 2;
