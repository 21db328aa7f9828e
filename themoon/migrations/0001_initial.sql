-- themoon schema v1. Money: integer won. Weights: integer grams. Percentages: integer basis
-- points (1 bp = 0.01 %), so 16.7 % is 1670 and stays exact. Dates: ISO 'YYYY-MM-DD' text.

CREATE TABLE beans (
    id              INTEGER PRIMARY KEY,
    code            TEXT    NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 40),
    name_en         TEXT    NOT NULL CHECK (length(name_en) BETWEEN 1 AND 120),
    name_ko         TEXT    NOT NULL DEFAULT '' CHECK (length(name_ko) <= 120),
    country         TEXT    NOT NULL DEFAULT '' CHECK (length(country) <= 60),
    process         TEXT    NOT NULL DEFAULT '' CHECK (length(process) <= 60),
    roast_level     TEXT    NOT NULL DEFAULT '' CHECK (length(roast_level) <= 10),
    active          INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    reorder_point_g INTEGER NOT NULL DEFAULT 0 CHECK (reorder_point_g >= 0),
    expected_loss_bp INTEGER CHECK (expected_loss_bp IS NULL OR expected_loss_bp BETWEEN 1 AND 9999),
    notes           TEXT    NOT NULL DEFAULT '' CHECK (length(notes) <= 2000),
    created_at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now'))
);

CREATE TABLE blends (
    id              INTEGER PRIMARY KEY,
    code            TEXT    NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 40),
    name_en         TEXT    NOT NULL CHECK (length(name_en) BETWEEN 1 AND 120),
    name_ko         TEXT    NOT NULL DEFAULT '' CHECK (length(name_ko) <= 120),
    description     TEXT    NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    active          INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    expected_loss_bp INTEGER CHECK (expected_loss_bp IS NULL OR expected_loss_bp BETWEEN 1 AND 9999),
    created_at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now'))
);

CREATE TABLE blend_components (
    blend_id INTEGER NOT NULL REFERENCES blends(id) ON DELETE CASCADE,
    bean_id  INTEGER NOT NULL REFERENCES beans(id),
    parts    INTEGER NOT NULL CHECK (parts > 0 AND parts <= 1000),
    PRIMARY KEY (blend_id, bean_id)
);

-- A green-coffee lot bought. total_won includes freight and duty.
CREATE TABLE purchases (
    id           INTEGER PRIMARY KEY,
    purchased_on TEXT    NOT NULL CHECK (date(purchased_on) = purchased_on),
    bean_id      INTEGER NOT NULL REFERENCES beans(id),
    grams        INTEGER NOT NULL CHECK (grams > 0),
    total_won    INTEGER NOT NULL CHECK (total_won >= 0),
    supplier     TEXT    NOT NULL DEFAULT '' CHECK (length(supplier) <= 120),
    lot_code     TEXT    NOT NULL DEFAULT '' CHECK (length(lot_code) <= 60),
    notes        TEXT    NOT NULL DEFAULT '' CHECK (length(notes) <= 2000),
    external_id  TEXT    UNIQUE,
    created_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now'))
);
CREATE INDEX purchases_bean_date ON purchases (bean_id, purchased_on);

-- Stocktake corrections: counted minus book, with the reason.
CREATE TABLE stock_adjustments (
    id          INTEGER PRIMARY KEY,
    adjusted_on TEXT    NOT NULL CHECK (date(adjusted_on) = adjusted_on),
    bean_id     INTEGER NOT NULL REFERENCES beans(id),
    delta_g     INTEGER NOT NULL CHECK (delta_g <> 0),
    reason      TEXT    NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    external_id TEXT    UNIQUE,
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now'))
);
CREATE INDEX stock_adjustments_bean_date ON stock_adjustments (bean_id, adjusted_on);

-- One roast. The product is a bean or a blend, never both.
CREATE TABLE roast_batches (
    id          INTEGER PRIMARY KEY,
    roasted_on  TEXT    NOT NULL CHECK (date(roasted_on) = roasted_on),
    bean_id     INTEGER REFERENCES beans(id),
    blend_id    INTEGER REFERENCES blends(id),
    roasted_g   INTEGER NOT NULL CHECK (roasted_g > 0),
    minutes     REAL    CHECK (minutes IS NULL OR (minutes > 0 AND minutes <= 240)),
    operator    TEXT    NOT NULL DEFAULT '' CHECK (length(operator) <= 60),
    notes       TEXT    NOT NULL DEFAULT '' CHECK (length(notes) <= 2000),
    source      TEXT    NOT NULL DEFAULT 'manual'
                CHECK (source IN ('manual', 'demo', 'legacy', 'artisan', 'workbook', 'excel')),
    external_id TEXT    UNIQUE,
    -- the expected loss this batch was judged against (set with its loss alert, see roasting.py)
    expected_loss_bp INTEGER CHECK (expected_loss_bp IS NULL OR expected_loss_bp BETWEEN 1 AND 9999),
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now')),
    CHECK ((bean_id IS NULL) <> (blend_id IS NULL))
);
CREATE INDEX roast_batches_date ON roast_batches (roasted_on);
CREATE INDEX roast_batches_bean ON roast_batches (bean_id, roasted_on);
CREATE INDEX roast_batches_blend ON roast_batches (blend_id, roasted_on);

-- Green coffee that went into a batch, with its cost frozen at roast time
-- (grams x moving-average cost of the bean on that date, rounded half-up to the won).
CREATE TABLE roast_components (
    batch_id       INTEGER NOT NULL REFERENCES roast_batches(id) ON DELETE CASCADE,
    bean_id        INTEGER NOT NULL REFERENCES beans(id),
    green_g        INTEGER NOT NULL CHECK (green_g > 0),
    green_cost_won INTEGER NOT NULL CHECK (green_cost_won >= 0),
    PRIMARY KEY (batch_id, bean_id)
);
CREATE INDEX roast_components_bean ON roast_components (bean_id);

-- Cost settings, effective-dated: the row in force on a date is the latest effective_from <= date.
CREATE TABLE cost_settings (
    id                       INTEGER PRIMARY KEY,
    effective_from           TEXT    NOT NULL UNIQUE CHECK (date(effective_from) = effective_from),
    expected_loss_bp         INTEGER NOT NULL CHECK (expected_loss_bp BETWEEN 1 AND 9999),
    use_recent_loss          INTEGER NOT NULL DEFAULT 0 CHECK (use_recent_loss IN (0, 1)),
    roasting_won_per_kg      INTEGER NOT NULL CHECK (roasting_won_per_kg >= 0),
    labour_won_per_hour      INTEGER NOT NULL CHECK (labour_won_per_hour >= 0),
    labour_minutes_per_session INTEGER NOT NULL CHECK (labour_minutes_per_session >= 0),
    energy_won_per_session   INTEGER NOT NULL CHECK (energy_won_per_session >= 0),
    misc_won_per_session     INTEGER NOT NULL CHECK (misc_won_per_session >= 0),
    planned_session_roasted_g INTEGER NOT NULL CHECK (planned_session_roasted_g > 0),
    price_multiplier_pct     INTEGER NOT NULL CHECK (price_multiplier_pct BETWEEN 100 AND 10000),
    created_at               TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now'))
);

-- What the café sells: cups (dose_g of roasted coffee) and retail bags (size in dose_g).
CREATE TABLE menu_items (
    id             INTEGER PRIMARY KEY,
    code           TEXT    NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 60),
    name_en        TEXT    NOT NULL CHECK (length(name_en) BETWEEN 1 AND 120),
    name_ko        TEXT    NOT NULL DEFAULT '' CHECK (length(name_ko) <= 120),
    channel        TEXT    NOT NULL CHECK (channel IN ('cup', 'bag', 'wholesale')),
    bean_id        INTEGER REFERENCES beans(id),
    blend_id       INTEGER REFERENCES blends(id),
    dose_g         INTEGER NOT NULL CHECK (dose_g > 0 AND dose_g <= 100000),
    price_won      INTEGER NOT NULL CHECK (price_won >= 0),
    extra_cost_won INTEGER NOT NULL DEFAULT 0 CHECK (extra_cost_won >= 0),
    active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    external_id    TEXT    UNIQUE,
    CHECK ((bean_id IS NULL) <> (blend_id IS NULL))
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE CHECK (length(username) BETWEEN 1 AND 40),
    display_name  TEXT    NOT NULL DEFAULT '' CHECK (length(display_name) <= 80),
    role          TEXT    NOT NULL CHECK (role IN ('owner', 'staff', 'viewer')),
    password_hash TEXT    NOT NULL CHECK (password_hash LIKE '$argon2%'),
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now'))
);

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now')),
    username  TEXT    NOT NULL,
    action    TEXT    NOT NULL CHECK (action IN ('create', 'update', 'delete', 'import')),
    entity    TEXT    NOT NULL,
    entity_id INTEGER,
    old_json  TEXT,
    new_json  TEXT
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);

-- One row per anomalous batch; rebuilt for a product whenever one of its batches changes.
CREATE TABLE loss_alerts (
    batch_id        INTEGER PRIMARY KEY REFERENCES roast_batches(id) ON DELETE CASCADE,
    level           TEXT    NOT NULL CHECK (level IN ('WARNING', 'CRITICAL')),
    direction       TEXT    NOT NULL CHECK (direction IN ('HIGH', 'LOW')),
    loss_bp         INTEGER NOT NULL,
    expected_bp     INTEGER NOT NULL,
    run_length      INTEGER NOT NULL CHECK (run_length >= 1),
    resolved_at     TEXT,
    resolved_by     TEXT,
    resolution_note TEXT    CHECK (resolution_note IS NULL OR length(resolution_note) <= 2000)
);

-- Names seen in imported files (Artisan beans, legacy names) mapped to our products, asked once.
CREATE TABLE import_name_map (
    source   TEXT NOT NULL,
    name     TEXT NOT NULL,
    bean_id  INTEGER REFERENCES beans(id),
    blend_id INTEGER REFERENCES blends(id),
    PRIMARY KEY (source, name),
    CHECK ((bean_id IS NULL) <> (blend_id IS NULL))
);

-- One row per finished import (file fingerprint), so re-running the same file is a no-op.
CREATE TABLE imports (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now')),
    summary    TEXT NOT NULL DEFAULT '',
    UNIQUE (kind, sha256)
);

-- Stock movements of green coffee, the one place stock is derived from.
CREATE VIEW stock_ledger AS
    SELECT bean_id, purchased_on AS on_date, 0 AS kind_order, 'purchase' AS kind, id AS ref_id,
           grams AS delta_g, total_won AS value_won
      FROM purchases
    UNION ALL
    SELECT c.bean_id, b.roasted_on, 1, 'roast', b.id, -c.green_g, -c.green_cost_won
      FROM roast_components c JOIN roast_batches b ON b.id = c.batch_id
    UNION ALL
    SELECT bean_id, adjusted_on, 2, 'adjustment', id, delta_g, NULL
      FROM stock_adjustments;
