-- Sign-in limits, first-run setup codes and the demo's automatic sign-in, kept in the store so
-- that they survive a page reload (a new kernel) and a server restart (themoon.signin).

-- Failed attempts per key: a username, a client address, or the first-run setup code itself.
-- After a few failures each further one makes the next attempt wait longer; at the limit the key
-- is locked for the lockout window. A success clears the key; the owner can clear it too.
CREATE TABLE signin_limits (
    kind          TEXT    NOT NULL CHECK (kind IN ('username', 'address', 'setup')),
    key           TEXT    NOT NULL CHECK (length(key) BETWEEN 1 AND 100),
    failures      INTEGER NOT NULL CHECK (failures >= 0),
    last_failure  REAL    NOT NULL,            -- epoch seconds
    blocked_until REAL    NOT NULL DEFAULT 0,  -- epoch seconds; 0: not blocked
    PRIMARY KEY (kind, key)
);

-- One-time codes that prove control of the machine before the first owner is created. Only a
-- SHA-256 of the code is kept (the code itself is printed once, to the console and the log).
CREATE TABLE setup_codes (
    id         INTEGER PRIMARY KEY,
    code_hash  TEXT    NOT NULL UNIQUE CHECK (length(code_hash) = 64),
    created_at REAL    NOT NULL,
    expires_at REAL    NOT NULL,
    used_at    REAL
);

-- Small facts about sign-in that are not settings, e.g. 'demo_autologin' = 'off' once someone
-- signed out of the demo (the next visitor of a shared tablet signs in themselves).
CREATE TABLE auth_flags (
    name  TEXT PRIMARY KEY CHECK (name IN ('demo_autologin')),
    value TEXT NOT NULL CHECK (length(value) <= 40)
);
