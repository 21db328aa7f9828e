"""Dashboard analytics at 10k, 100k and 1M batches: themoon.analytics (DuckDB) against a plain
pandas baseline (pd.read_sql over sqlite3 + groupby), in the same run.

    .venv/bin/python benchmarks/analytics.py                  # 10k, 100k, 1M
    .venv/bin/python benchmarks/analytics.py --sizes 10000    # quicker

Bulk databases are built once with themoon.bulk.build_bulk and cached in
$THEMOON_BENCH_CACHE (default: <tmp>/themoon-bench), never in the repository.

Each implementation runs in its own child process per size, so its peak RSS is its own:
`ours` opens one Analytics (the refresh that materialises the store is timed separately),
then times every dashboard query (median of --repeat runs after one warm-up run);
`pandas` reads what each query needs from SQLite with pd.read_sql and aggregates with pandas
(the cost-model rows — menu costs, what-if — use themoon.price_list over sqlite3, the Python model
the dashboard had before). The last line is machine-readable:

    worst_ms_1m=<slowest query at the largest size> min_speedup=<smallest baseline/ours ratio at
    the largest size> peak_mb=<largest peak RSS of an analytics process, any size>

(the line before it gives the slowest query and smallest speedup of every size).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

TODAY = min(date(2026, 10, 31), date.today())
SEED = 7


# --- the dashboard queries ---------------------------------------------------------------------------


def query_plan(last: date) -> dict[str, dict]:
    """name -> parameters; `last` is the last roast day (the data's "today")."""
    year, quarter = last - timedelta(days=364), last - timedelta(days=89)
    return {
        "kpis_90d": {"since": quarter, "until": last},
        "kpis_year": {"since": year, "until": last},
        "trend_month_by_product_all": {"grain": "month", "by_product": True},
        "trend_week_1y": {"grain": "week", "since": year, "until": last},
        "trend_day_1y": {"grain": "day", "since": year, "until": last},
        "loss_by_product_1y": {"dimension": "product", "since": year, "until": last},
        "loss_by_operator_all": {"dimension": "operator"},
        "loss_by_roast_level_all": {"dimension": "roast_level"},
        "loss_histogram_all": {},
        "anomalies_open": {},
        "anomaly_runs_all": {},
        "excess_loss_month_all": {},
        "stock_value_month_all": {},
        "loss_status": {"today": last},
        "runout_reorder": {"as_of": last},
        "forecast_backtest": {"as_of": last},
        "margin_trend_month_all": {},
        "margin_trend_actual_all": {},
        "profitability_1y": {"since": year, "until": last},
        "what_if": {"on": last},
        "menu_costs": {"on": last},
        # sales and profit (issue #13); `last` is also the last day with sales
        "sales_kpis_month": {"since": last.replace(day=1), "until": last},
        "sales_trend_week_channel_1y": {"grain": "week", "by": "channel", "since": year, "until": last},
        "sales_trend_month_product_all": {"grain": "month", "by": "product"},
        "sales_trend_day_item_90d": {"grain": "day", "by": "item", "since": quarter, "until": last},
        "sales_items_month": {"since": last.replace(day=1), "until": last},
        "menu_engineering_month": {"since": last.replace(day=1), "until": last},
        "sales_reconciliation_1y": {"since": year, "until": last},
        "period_profit_month": {"since": last.replace(day=1), "until": last},
        "demand_forecast": {"as_of": last},
        "roast_plan": {"as_of": last},
    }


def ours(a, name: str, p: dict):
    if name.startswith("kpis"):
        return a.kpis(p["since"], p["until"])
    if name.startswith("trend"):
        return a.trend(p["grain"], p.get("since"), p.get("until"), by_product=p.get("by_product", False))
    if name.startswith("loss_by"):
        return a.loss_by(p["dimension"], p.get("since"), p.get("until"))
    if name == "loss_histogram_all":
        return a.loss_histogram(bin_pct=0.5)
    if name == "anomalies_open":
        return a.anomalies(open_only=True, limit=500)
    if name == "anomaly_runs_all":
        return a.anomaly_runs()
    if name == "excess_loss_month_all":
        return a.excess_loss("month")
    if name == "stock_value_month_all":
        return a.stock_value("month", by_bean=True)
    if name == "loss_status":
        return a.loss_status(p["today"])
    if name == "runout_reorder":
        return a.runout(p["as_of"], lead_time_days=7, cover_days=28)
    if name == "forecast_backtest":
        return a.forecast_backtest(p["as_of"])
    if name == "margin_trend_month_all":
        return a.margin_trend(grain="month")
    if name == "margin_trend_actual_all":
        return a.margin_trend(grain="month", basis="actual")
    if name == "profitability_1y":
        return a.profitability(p["since"], p["until"])
    if name == "what_if":
        return a.what_if(green_price_change_pct=10, labour_won_per_hour=18_000, dose_change_g=1, on=p["on"])
    if name == "menu_costs":
        return a.menu_costs(p["on"])
    if name == "sales_kpis_month":
        return a.sales_kpis(p["since"], p["until"])
    if name.startswith("sales_trend"):
        return a.sales_trend(p["grain"], p["by"], p.get("since"), p.get("until"))
    if name == "sales_items_month":
        return a.sales_items(p["since"], p["until"])
    if name == "menu_engineering_month":
        return a.menu_engineering(p["since"], p["until"])
    if name == "sales_reconciliation_1y":
        return a.sales_reconciliation(p["since"], p["until"])
    if name == "period_profit_month":
        return a.period_profit(p["since"], p["until"])
    if name == "demand_forecast":
        return a.demand_forecast(p["as_of"])
    if name == "roast_plan":
        return a.roast_plan(p["as_of"])
    raise KeyError(name)


# --- the pandas baseline -----------------------------------------------------------------------------


class Baseline:
    """What a plain pandas dashboard does: read from SQLite on every query, aggregate in pandas."""

    def __init__(self, path: Path):
        import sqlite3

        self.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        self.conn.row_factory = None

    def read(self, sql: str, params=()):
        import pandas as pd

        return pd.read_sql(sql, self.conn, params=params)

    def settings(self):
        import pandas as pd

        s = self.read("SELECT * FROM cost_settings ORDER BY effective_from")
        defaults = {
            "effective_from": "1900-01-01",
            "expected_loss_bp": 1670,
            "roasting_won_per_kg": 2000,
            "labour_won_per_hour": 15000,
            "labour_minutes_per_session": 120,
            "energy_won_per_session": 5000,
            "misc_won_per_session": 3000,
        }
        s = pd.concat([pd.DataFrame([defaults]), s], ignore_index=True)
        s["session_fixed"] = (
            s["labour_won_per_hour"] * s["labour_minutes_per_session"] / 60
            + s["energy_won_per_session"]
            + s["misc_won_per_session"]
        )
        s["from"] = pd.to_datetime(s["effective_from"].str.slice(0, 10))
        return s

    def batches(self, since=None, until=None):
        """Batches of a period with green grams and cost (components summed), session share and cost."""
        import numpy as np
        import pandas as pd

        lo, hi = (since or date(1900, 1, 1)).isoformat(), (until or date(9999, 12, 31)).isoformat()
        b = self.read(
            "SELECT id, roasted_on, bean_id, blend_id, roasted_g, operator, expected_loss_bp FROM roast_batches"
            " WHERE roasted_on BETWEEN ? AND ?",
            (lo, hi),
        )
        c = self.read(
            "SELECT c.batch_id, c.green_g, c.green_cost_won FROM roast_components c"
            " JOIN roast_batches b ON b.id = c.batch_id WHERE b.roasted_on BETWEEN ? AND ?",
            (lo, hi),
        )
        df = b.merge(c.groupby("batch_id", as_index=False).sum(), left_on="id", right_on="batch_id")
        df["session_green_g"] = df.groupby("roasted_on")["green_g"].transform("sum")
        s = self.settings()
        df["day"] = pd.to_datetime(df["roasted_on"])
        df = df.sort_values("day")
        df = pd.merge_asof(
            df,
            s[["from", "roasting_won_per_kg", "session_fixed", "expected_loss_bp"]].rename(
                columns={"expected_loss_bp": "settings_bp"}
            ),
            left_on="day",
            right_on="from",
        )
        df["bp"] = df["expected_loss_bp"].fillna(df["settings_bp"])
        cost = (
            df["green_cost_won"]
            + df["roasting_won_per_kg"] * df["roasted_g"] / 1000
            + df["session_fixed"] * df["green_g"] / df["session_green_g"]
        )
        df["batch_cost_won"] = np.floor(cost + 0.5)
        df["loss_pct"] = (df["green_g"] - df["roasted_g"]) / df["green_g"] * 100
        df["extra_g"] = df["green_g"] * (df["loss_pct"] - df["bp"] / 100) / 100
        df["extra_won"] = df["extra_g"] * df["green_cost_won"] / df["green_g"]
        df["product"] = np.where(df["bean_id"].isna(), -df["blend_id"].fillna(0), df["bean_id"].fillna(0))
        return df

    def products(self):
        return self.read(
            "SELECT id AS product, code, roast_level FROM beans UNION ALL SELECT -id, code, 'BLEND' FROM blends"
        )

    def alerts(self, since="1900-01-01", until="9999-12-31"):
        return self.read(
            "SELECT a.*, b.roasted_on, COALESCE(b.bean_id, -b.blend_id) AS product FROM loss_alerts a"
            " JOIN roast_batches b ON b.id = a.batch_id WHERE b.roasted_on BETWEEN ? AND ?",
            (since, until),
        )

    def stock_daily(self):
        """Stock and moving-average value per bean and day from the ledger view."""
        import pandas as pd

        ledger = self.read("SELECT * FROM stock_ledger ORDER BY bean_id, on_date, kind_order, ref_id")
        ledger["balance"] = ledger.groupby("bean_id")["delta_g"].cumsum()
        ledger["before"] = ledger["balance"] - ledger["delta_g"]
        rows = []
        for bean, group in ledger[ledger["kind"] == "purchase"].groupby("bean_id"):
            avg = None
            for r in group.itertuples():
                stock = max(r.before, 0) if avg is not None else 0
                avg = (stock * (avg or 0) + r.value_won) / (stock + r.delta_g)
                rows.append((bean, r.on_date, avg))
        averages = pd.DataFrame(rows, columns=["bean_id", "on_date", "avg"]).groupby(["bean_id", "on_date"]).last()
        daily = ledger.groupby(["bean_id", "on_date"])["delta_g"].sum().groupby(level=0).cumsum().to_frame("stock")
        daily = daily.join(averages).groupby(level=0).ffill()
        daily["value"] = (daily["stock"].clip(lower=0) * daily["avg"].fillna(0)).round()
        return daily.reset_index()

    def daily_usage(self, since, until):
        u = self.read(
            "SELECT b.roasted_on, c.bean_id, c.green_g FROM roast_components c JOIN roast_batches b"
            " ON b.id = c.batch_id WHERE b.roasted_on BETWEEN ? AND ?",
            (since.isoformat(), until.isoformat()),
        )
        return u.groupby(["roasted_on", "bean_id"])["green_g"].sum().unstack(fill_value=0)

    def sales(self, since=None, until=None):
        """Sales rows of a period with their item and the unit cost of the day: the product's cost
        per roasted kg over the 30 days before (rolling sums of the batches' costs), × dose + extras."""
        import numpy as np
        import pandas as pd

        lo, hi = since or date(1900, 1, 1), until or date(9999, 12, 31)
        s = self.read(
            "SELECT s.sold_on, s.qty, s.net_won, i.code AS item, i.channel, i.dose_g, i.extra_cost_won,"
            " COALESCE(i.bean_id, -i.blend_id) AS product FROM sales_daily s JOIN menu_items i"
            " ON i.id = s.menu_item_id WHERE s.sold_on BETWEEN ? AND ?",
            (lo.isoformat(), hi.isoformat()),
        )
        s["day"] = pd.to_datetime(s["sold_on"])
        first = s["day"].min().date() if len(s) else lo
        b = self.batches(first - timedelta(days=31), hi)
        d = b.groupby(["product", "day"])[["batch_cost_won", "roasted_g"]].sum().reset_index()
        windows = []
        for product, g in d.groupby("product"):
            g = g.set_index("day").sort_index()[["batch_cost_won", "roasted_g"]]
            days = pd.date_range(g.index.min(), max(g.index.max(), s["day"].max()))
            r = g.reindex(days, fill_value=0).rolling(30, min_periods=1).sum().shift(1)
            r["product"] = product
            windows.append(r.rename_axis("day").reset_index())
        w = pd.concat(windows) if windows else pd.DataFrame(columns=["day", "product", "batch_cost_won", "roasted_g"])
        w["per_kg"] = w["batch_cost_won"] * 1000 / w["roasted_g"].replace(0, np.nan)
        s = s.merge(w[["day", "product", "per_kg", "roasted_g"]], on=["day", "product"], how="left")
        s["unit"] = s["per_kg"].fillna(0) * s["dose_g"] / 1000 + s["extra_cost_won"]
        s["cogs"] = s["unit"] * s["qty"]
        s["sold_g"] = s["qty"] * s["dose_g"]
        return s

    def menu_classes(self, s):
        import numpy as np

        g = s.groupby(["channel", "item"])[["qty", "net_won", "cogs"]].sum().reset_index()
        g = g[g["qty"] > 0]
        g["cm"] = (g["net_won"] - g["cogs"]) / g["qty"]
        tot = g.groupby("channel")[["qty", "net_won", "cogs"]].transform("sum")
        n = g.groupby("channel")["item"].transform("size")
        popular = g["qty"] >= 0.7 * tot["qty"] / n
        high = g["cm"] >= (tot["net_won"] - tot["cogs"]) / tot["qty"]
        g["class"] = np.select([popular & high, popular, high], ["star", "plowhorse", "puzzle"], "dog")
        return g

    def run(self, name: str, p: dict):  # noqa: C901 - one branch per query, like `ours`
        import numpy as np
        import pandas as pd

        from themoon import price_list as costs
        from themoon.analytics import forecast

        if name.startswith("kpis"):
            df = self.batches(p["since"], p["until"])
            stock = self.stock_daily()
            stock = stock[stock["on_date"] <= p["until"].isoformat()].groupby("bean_id").last()
            return {
                "batches": len(df),
                "roasted_g": int(df["roasted_g"].sum()),
                "cost": df["batch_cost_won"].sum(),
                "weighted": (df["green_g"].sum() - df["roasted_g"].sum()) / df["green_g"].sum() * 100,
                "avg": df["loss_pct"].mean(),
                "excess": df["extra_won"].clip(lower=0).sum(),
                "stock_value": stock["value"].sum(),
                "open": len(self.read("SELECT batch_id FROM loss_alerts WHERE resolved_at IS NULL")),
            }
        if name.startswith("trend"):
            df = self.batches(p.get("since"), p.get("until"))
            freq = {"day": "D", "week": "W-MON", "month": "MS"}[p["grain"]]
            df["period"] = df["day"].dt.to_period({"D": "D", "W-MON": "W", "MS": "M"}[freq]).dt.start_time
            keys = ["period", "product"] if p.get("by_product") else ["period"]
            g = df.groupby(keys).agg(
                batches=("id", "size"),
                roasted_g=("roasted_g", "sum"),
                green_g=("green_g", "sum"),
                cost=("batch_cost_won", "sum"),
                avg_loss=("loss_pct", "mean"),
            )
            g["cost_per_kg"] = g["cost"] * 1000 / g["roasted_g"]
            g["weighted"] = (g["green_g"] - g["roasted_g"]) / g["green_g"] * 100
            return g.reset_index()
        if name.startswith("loss_by"):
            df = self.batches(p.get("since"), p.get("until"))
            if p["dimension"] == "operator":
                key = "operator"
            else:
                df = df.merge(self.products(), on="product")
                key = "code" if p["dimension"] == "product" else "roast_level"
            g = df.groupby(key)["loss_pct"]
            return pd.concat([g.describe(), g.quantile([0.25, 0.5, 0.75]).unstack()], axis=1)
        if name == "loss_histogram_all":
            df = self.batches()
            return df.groupby(np.floor(df["loss_pct"] / 0.5) * 0.5).size()
        if name == "anomalies_open":
            a = self.alerts()
            a = a[a["resolved_at"].isna()].merge(self.products(), on="product")
            return a.sort_values(["roasted_on", "batch_id"], ascending=False).head(500)
        if name == "anomaly_runs_all":
            a = self.alerts().sort_values(["product", "roasted_on", "batch_id"])
            a["run_no"] = (a["run_length"] == 1).astype(int).groupby(a["product"]).cumsum()
            runs = a.groupby(["product", "run_no"]).agg(
                first=("roasted_on", "min"), last=("roasted_on", "max"), length=("batch_id", "size")
            )
            return runs[runs["length"] >= 2]
        if name == "excess_loss_month_all":
            df = self.batches()
            df["month"] = df["day"].dt.to_period("M")
            df["excess"] = df["extra_won"].clip(lower=0)
            return df.groupby(["month", "product"])[["excess", "extra_won", "green_cost_won"]].sum()
        if name == "stock_value_month_all":
            s = self.stock_daily()
            s["month"] = pd.to_datetime(s["on_date"]).dt.to_period("M")
            return s.groupby(["month", "bean_id"])[["stock", "value"]].last()
        if name == "loss_status":
            since = (p["today"] - timedelta(days=30)).isoformat()
            a = self.alerts(since, p["today"].isoformat())
            a = a[a["roasted_on"] > since]
            return a.groupby("product").agg(n=("batch_id", "size"), longest=("run_length", "max"))
        if name in ("runout_reorder", "forecast_backtest"):
            days = 182 if name == "runout_reorder" else 420
            start = p["as_of"] - timedelta(days=days - 1)
            usage = self.daily_usage(start, p["as_of"])
            usage.index = pd.to_datetime(usage.index)
            usage = usage.reindex(pd.date_range(start, p["as_of"]), fill_value=0)
            out = {}
            for bean in usage.columns:
                series = usage[bean].to_numpy(dtype=float)
                if name == "runout_reorder":
                    out[bean] = forecast.run_out(10_000, forecast.dow_profile(series, p["as_of"].weekday(), 365), 0)
                else:
                    out[bean] = forecast.backtest(series, p["as_of"].weekday())
            return out
        if name == "margin_trend_month_all":
            s = self.stock_daily()
            s["month"] = pd.to_datetime(s["on_date"]).dt.to_period("M")
            prices = s.groupby(["month", "bean_id"])["avg"].last().unstack() * 1000
            recipe = self.read("SELECT blend_id, bean_id, parts FROM blend_components")
            menu = self.read("SELECT * FROM menu_items WHERE active = 1")
            settings = self.settings().iloc[-1]
            processing = settings["roasting_won_per_kg"] + settings["session_fixed"] / (
                settings["planned_session_roasted_g"] / 1000
            )
            per_kg = {}
            for blend, parts in recipe.groupby("blend_id"):
                share = parts.set_index("bean_id")["parts"] / parts["parts"].sum()
                per_kg[-blend] = (prices[share.index] * share).sum(axis=1) / (1 - 0.167) + processing
            for bean in prices.columns:
                per_kg[bean] = prices[bean] / (1 - 0.167) + processing
            out = []
            for item in menu.itertuples():
                key = -item.blend_id if pd.notna(item.blend_id) else item.bean_id
                cost = per_kg[int(key)] * item.dose_g / 1000 + item.extra_cost_won
                out.append((item.code, (item.price_won - cost) / item.price_won * 100))
            return out
        if name == "margin_trend_actual_all":
            df = self.batches()
            df["month"] = df["day"].dt.to_period("M")
            g = df.groupby(["month", "product"])[["batch_cost_won", "roasted_g"]].sum()
            g["per_kg"] = g["batch_cost_won"] * 1000 / g["roasted_g"]
            menu = self.read("SELECT * FROM menu_items WHERE active = 1")
            menu["product"] = np.where(menu["bean_id"].isna(), -menu["blend_id"].fillna(0), menu["bean_id"].fillna(0))
            m = g.reset_index().merge(menu, on="product")
            m["cost"] = m["per_kg"] * m["dose_g"] / 1000 + m["extra_cost_won"]
            m["margin"] = (m["price_won"] - m["cost"]) / m["price_won"] * 100
            return m
        if name == "profitability_1y":
            df = self.batches(p["since"], p["until"])
            g = df.groupby("product")[["batch_cost_won", "roasted_g"]].sum()
            g["per_kg"] = g["batch_cost_won"] * 1000 / g["roasted_g"]
            return g, costs.menu_costs(self._api(), on=p["until"])
        if name == "what_if":
            return costs.what_if(
                self._api(), green_price_change_pct=10, labour_won_per_hour=18_000, dose_change_g=1, on=p["on"]
            )
        if name == "menu_costs":
            return costs.menu_costs(self._api(), on=p["on"])
        if name == "sales_kpis_month":
            from themoon.analytics.sales import previous_period

            since = p["since"]
            before = previous_period(since, p["until"])[0]
            s = self.sales(before, p["until"])
            s["current"] = s["day"] >= pd.Timestamp(since)
            g = s.groupby("current")[["net_won", "cogs"]].sum()
            g["profit"] = g["net_won"] - g["cogs"]
            return g
        if name.startswith("sales_trend"):
            s = self.sales(p.get("since"), p.get("until"))
            freq = {"day": "D", "week": "W", "month": "M"}[p["grain"]]
            s["period"] = s["day"].dt.to_period(freq).dt.start_time
            key = {"item": "item", "channel": "channel", "product": "product"}[p["by"]]
            g = s.groupby(["period", key])[["qty", "net_won", "cogs"]].sum()
            g["profit"] = g["net_won"] - g["cogs"]
            g["margin"] = g["profit"] / g["net_won"] * 100
            g["roi"] = g["profit"] / g["cogs"] * 100
            return g
        if name in ("sales_items_month", "menu_engineering_month"):
            return self.menu_classes(self.sales(p["since"], p["until"])).sort_values("cm")
        if name == "sales_reconciliation_1y":
            s = self.sales(p["since"], p["until"])
            s["month"] = s["day"].dt.to_period("M")
            b = self.batches(p["since"], p["until"])
            b["month"] = b["day"].dt.to_period("M")
            r = b.groupby(["month", "product"])[["roasted_g", "batch_cost_won"]].sum()
            sold = s.groupby(["month", "product"])["sold_g"].sum()
            m = r.join(sold, how="outer").fillna(0)
            m["unexplained_g"] = m["roasted_g"] - m["sold_g"]
            m["pct"] = m["unexplained_g"] / m["roasted_g"] * 100
            m["won"] = m["batch_cost_won"] / m["roasted_g"] * m["unexplained_g"]
            return m
        if name == "period_profit_month":
            s = self.sales(p["since"], p["until"])
            items = self.menu_classes(s).sort_values("cm")
            b = self.batches(p["since"], p["until"])
            r = b.groupby("product")[["roasted_g", "batch_cost_won"]].sum()
            m = r.join(s.groupby("product")["sold_g"].sum(), how="outer").fillna(0)
            m["unexplained_g"] = m["roasted_g"] - m["sold_g"]
            m["won"] = m["batch_cost_won"] / m["roasted_g"] * m["unexplained_g"]
            total = s[["net_won", "cogs"]].sum()
            return total, items, m
        if name in ("demand_forecast", "roast_plan"):
            start = p["as_of"] - timedelta(days=7 * forecast.PROFILE_WEEKS - 1)
            s = self.read(
                "SELECT s.sold_on, s.qty, i.dose_g, i.code, COALESCE(i.bean_id, -i.blend_id) AS product"
                " FROM sales_daily s JOIN menu_items i ON i.id = s.menu_item_id WHERE s.sold_on BETWEEN ? AND ?",
                (start.isoformat(), p["as_of"].isoformat()),
            )
            s["sold_g"] = s["qty"] * s["dose_g"]
            key, value = ("code", "qty") if name == "demand_forecast" else ("product", "sold_g")
            daily = s.groupby(["sold_on", key])[value].sum().unstack(fill_value=0)
            daily.index = pd.to_datetime(daily.index)
            daily = daily.reindex(pd.date_range(start, p["as_of"]), fill_value=0)
            out = {k: forecast.dow_profile(daily[k].to_numpy(float), p["as_of"].weekday(), 7).sum() for k in daily}
            if name == "demand_forecast":
                return out
            recipe = self.read("SELECT blend_id, bean_id, parts FROM blend_components")
            need: dict = {}
            for product, grams in out.items():
                green = grams / (1 - 0.167)
                parts = recipe[recipe["blend_id"] == -product] if product < 0 else None
                if parts is None or not len(parts):
                    need[product] = need.get(product, 0) + green
                    continue
                for r in parts.itertuples():
                    need[r.bean_id] = need.get(r.bean_id, 0) + green * r.parts / parts["parts"].sum()
            stock = self.stock_daily()
            stock = stock[stock["on_date"] <= p["as_of"].isoformat()].groupby("bean_id")["stock"].last()
            return {bean: max(g - stock.get(bean, 0), 0) for bean, g in need.items()}
        raise KeyError(name)

    def _api(self):
        self.conn.row_factory = __import__("sqlite3").Row
        return self.conn


# --- workers ----------------------------------------------------------------------------------------


def peak_mb() -> float:
    """This process's peak RSS. Linux keeps `ru_maxrss` across fork and exec, so a worker started
    right after this script built a bulk database would report the builder's peak: VmHWM (reset
    by exec) is this program's own."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(kind: str, path: Path, repeat: int) -> dict:
    import sqlite3

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    last = date.fromisoformat(conn.execute("SELECT MAX(roasted_on) FROM roast_batches").fetchone()[0])
    conn.close()
    plan = query_plan(last)
    results: dict[str, float] = {}
    checks: dict[str, object] = {}
    refresh_s = snapshot_s = write_refresh_s = 0.0
    if kind == "ours":
        from themoon.analytics import Analytics

        work = Path(tempfile.mkdtemp(prefix="themoon-bench-write-"))
        path = private_copy(path, work / "copy.db")  # the write below must not change the cache
        started = time.perf_counter()
        a = Analytics(path)
        refresh_s = time.perf_counter() - started
        snapshot_s = a.load_seconds["00 snapshot (sqlite3 backup)"]
        for name, params in plan.items():
            ours(a, name, params)  # warm-up
            runs = []
            for _ in range(repeat):
                t = time.perf_counter()
                out = ours(a, name, params)
                runs.append(time.perf_counter() - t)
            results[name] = statistics.median(runs) * 1000
            if name == "kpis_90d":
                checks = {"batches": out["batches"], "roasted_g": out["roasted_g"]}
        write_refresh_s = refresh_after_a_write(a, path, last)
        a.close()
        shutil.rmtree(work, ignore_errors=True)
    else:
        base = Baseline(path)
        for name, params in plan.items():
            runs = []
            for _ in range(repeat):
                t = time.perf_counter()
                out = base.run(name, params)
                runs.append(time.perf_counter() - t)
            results[name] = statistics.median(runs) * 1000
            if name == "kpis_90d":
                checks = {"batches": out["batches"], "roasted_g": out["roasted_g"]}
    return {
        "refresh_s": refresh_s,
        "snapshot_s": snapshot_s,
        "write_refresh_s": write_refresh_s,
        "ms": results,
        "peak_mb": peak_mb(),
        "checks": checks,
    }


def private_copy(source: Path, target: Path) -> Path:
    import sqlite3

    src, dest = sqlite3.connect(f"file:{source}?mode=ro", uri=True), sqlite3.connect(target)
    try:
        src.backup(dest)
    finally:
        src.close()
        dest.close()
    return target


def refresh_after_a_write(a, path: Path, last: date) -> float:
    """What a dashboard kernel pays after a save: a purchase and a batch written through the store
    API in this process (beside the engine, as in a kernel), then `refresh()`; checked to see it."""
    from themoon import db, inventory, roasting

    conn = db.connect(path, migrate=False)
    try:
        bean = conn.execute("SELECT code FROM beans WHERE active ORDER BY id LIMIT 1").fetchone()[0]
        inventory.add_purchase(conn, bean=bean, grams=10_000, total_won=60_000, purchased_on=last)
        roasting.add_batch(conn, product=bean, roasted_on=last, green_g=5000, roasted_g=4150)
    finally:
        conn.close()
    before = a.batch_count
    started = time.perf_counter()
    a.refresh()
    took = time.perf_counter() - started
    if a.batch_count != before + 1:
        raise SystemExit(f"refresh after a write did not see it: {before} -> {a.batch_count}")
    return took


def run_worker(kind: str, path: Path, repeat: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", kind, "--db", str(path), "--repeat", str(repeat)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def cached_db(size: int, cache: Path) -> tuple[Path, float | None]:
    from themoon import db
    from themoon.bulk import build_bulk

    path = cache / f"bulk-{size}-seed{SEED}-{TODAY.isoformat()}-v{db.schema_version()}.db"
    if path.exists():
        return path, None
    partial = path.with_suffix(".building")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    build_bulk(partial, batches=size, seed=SEED, today=TODAY)
    took = time.perf_counter() - started
    partial.rename(path)
    for suffix in ("-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    return path, took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of our queries (median)")
    parser.add_argument("--baseline-repeat", type=int, default=0, help="default: 3 below 1M batches, else 1")
    parser.add_argument("--cache", default=os.environ.get("THEMOON_BENCH_CACHE"))
    parser.add_argument("--worker", choices=("ours", "pandas"), help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, Path(args.db), args.repeat), default=str))
        return

    cache = Path(args.cache or Path(tempfile.gettempdir()) / "themoon-bench")
    cache.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"themoon analytics benchmark — {os.cpu_count()} cores, bulk databases cached in {cache}")
    worst: dict[int, float] = {}
    speedups: dict[int, list[float]] = {}
    peaks: list[float] = []
    write_refresh: dict[int, float] = {}
    for size in sizes:
        path, built = cached_db(size, cache)
        note = f"built in {built:.1f} s" if built is not None else "cached"
        mine = run_worker("ours", path, args.repeat)
        base_repeat = args.baseline_repeat or (1 if size >= 1_000_000 else 3)
        theirs = run_worker("pandas", path, base_repeat)
        if mine["checks"] != theirs["checks"]:
            raise SystemExit(f"results differ at {size}: {mine['checks']} vs {theirs['checks']}")
        print(
            f"\n{size:,} batches ({note}; {path.stat().st_size / 1e6:.0f} MB): first load {mine['refresh_s']:.2f} s"
            f" (snapshot {mine['snapshot_s']:.2f} s), refresh after a write {mine['write_refresh_s']:.2f} s,"
            f" peak RSS ours {mine['peak_mb']:.0f} MB, pandas {theirs['peak_mb']:.0f} MB"
        )
        print(f"{'query':30s} {'ours ms':>10s} {'pandas ms':>11s} {'ratio':>8s}")
        for name, ms in mine["ms"].items():
            ratio = theirs["ms"][name] / ms
            speedups.setdefault(size, []).append(ratio)
            print(f"{name:30s} {ms:10.1f} {theirs['ms'][name]:11.1f} {ratio:7.0f}×")
        worst[size] = max(mine["ms"].values())
        write_refresh[size] = mine["write_refresh_s"]
        peaks.append(mine["peak_mb"])
    largest = max(sizes)
    print()
    for size in sizes:
        print(f"{size:>9,} batches: slowest query {worst[size]:6.1f} ms, smallest speedup {min(speedups[size]):6.1f}×")
    print(f"peak RSS of an analytics process: {max(peaks):.0f} MB (min_speedup below is at {largest:,} batches)")
    print(
        f"worst_ms_1m={worst[largest]:.1f} min_speedup={min(speedups[largest]):.1f} peak_mb={max(peaks):.0f}"
        f" write_refresh_s_1m={write_refresh[largest]:.2f}"
    )


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
