-- Foundation schema (SQLite). Keep in step with ../postgres/0001_foundation.sql:
-- a test compares the tables and columns of both engines.
-- Times are UTC unix milliseconds (BIGINT); booleans are 0/1.

CREATE TABLE regions (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    level       TEXT NOT NULL,
    parent_code TEXT,
    town_type   TEXT,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX regions_parent ON regions (parent_code);

CREATE TABLE enrollments (
    town_code  TEXT NOT NULL REFERENCES regions (code),
    year       INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by BIGINT,
    PRIMARY KEY (town_code, year)
);

CREATE TABLE grids (
    id           INTEGER PRIMARY KEY,
    town_code    TEXT NOT NULL REFERENCES regions (code),
    village_code TEXT REFERENCES regions (code),
    name         TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    created_by   BIGINT,
    UNIQUE (town_code, name)
);

CREATE TABLE users (
    id                   INTEGER PRIMARY KEY,
    username             TEXT NOT NULL UNIQUE,
    display_name         TEXT NOT NULL,
    role                 TEXT NOT NULL,
    region_code          TEXT NOT NULL REFERENCES regions (code),
    department           TEXT,
    password_hash        TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL DEFAULT 0,
    disabled             BOOLEAN NOT NULL DEFAULT 0,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);
CREATE INDEX users_region ON users (region_code);

CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE login_failures (
    id       INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    address  TEXT NOT NULL,
    at       BIGINT NOT NULL
);
CREATE INDEX login_failures_username ON login_failures (username, at);
CREATE INDEX login_failures_address ON login_failures (address, at);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          BIGINT NOT NULL,
    actor_id    BIGINT,
    actor_name  TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    region_code TEXT NOT NULL,
    summary     TEXT NOT NULL,
    changes     TEXT NOT NULL,
    address     TEXT
);
CREATE INDEX audit_log_region_at ON audit_log (region_code, at);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
