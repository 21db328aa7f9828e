-- Settings of the application that are not cost settings (those are effective-dated): one value
-- per key, written by the owner. The first is how long a signed-in dashboard page may sit idle
-- before it signs itself out (a shared tablet at the counter): 30 minutes unless the owner says.
CREATE TABLE app_settings (
    key        TEXT    PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 40),
    value      TEXT    NOT NULL CHECK (length(value) <= 200),
    updated_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now')),
    updated_by TEXT    NOT NULL DEFAULT 'system'
);

INSERT INTO app_settings (key, value) VALUES ('session_idle_minutes', '30');
