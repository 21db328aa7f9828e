-- The band of batch losses the owner finds plausible (basis points): the roasting form asks
-- "save anyway?" before saving a batch whose loss is outside it (a mistyped weight, usually).
ALTER TABLE cost_settings ADD COLUMN plausible_loss_min_bp INTEGER NOT NULL DEFAULT 800
    CHECK (plausible_loss_min_bp BETWEEN 0 AND 10000);
ALTER TABLE cost_settings ADD COLUMN plausible_loss_max_bp INTEGER NOT NULL DEFAULT 2500
    CHECK (plausible_loss_max_bp BETWEEN 0 AND 10000);
