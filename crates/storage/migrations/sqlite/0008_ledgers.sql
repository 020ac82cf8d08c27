-- 台账 (SQLite): experts and their services, publicity, meetings, work teams and
-- town indicators. Keep in step with ../postgres/0008_ledgers.sql: same names,
-- tables and columns.
--
-- Every table carries the region code it belongs to (region_code or town_code),
-- so reads filter by the reader's scope on the table's own column
-- (repo::scope_filter) and a distributed engine can shard on it. Dates are
-- 'YYYY-MM-DD' text, instants milliseconds since the epoch. Quantities of town
-- indicators are thousandths (integers): exact, like money.

-- Experts kept by an office (首席设计师, 驻镇规划师, members of expert teams).
CREATE TABLE experts (
    id            INTEGER PRIMARY KEY,
    region_code   TEXT NOT NULL REFERENCES regions (code),
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    organisation  TEXT NOT NULL DEFAULT '',
    title         TEXT NOT NULL DEFAULT '',
    team          TEXT NOT NULL DEFAULT '',
    phone         TEXT NOT NULL DEFAULT '',
    note          TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    -- An import of the same sheet updates instead of duplicating.
    UNIQUE (region_code, name, organisation)
);
CREATE INDEX experts_region_prefix ON experts (region_code COLLATE NOCASE);

-- An expert paired with a town (双师, 结对帮扶, 三服务), for a period.
CREATE TABLE expert_pairings (
    id          INTEGER PRIMARY KEY,
    expert_id   BIGINT NOT NULL REFERENCES experts (id) ON DELETE CASCADE,
    town_code   TEXT NOT NULL REFERENCES regions (code),
    kind        TEXT NOT NULL,
    starts_on   TEXT NOT NULL,
    ends_on     TEXT,
    note        TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    UNIQUE (expert_id, town_code, kind, starts_on)
);
CREATE INDEX expert_pairings_town_prefix ON expert_pairings (town_code COLLATE NOCASE);

-- The service log: one visit or review by an expert for a town.
CREATE TABLE expert_services (
    id                INTEGER PRIMARY KEY,
    town_code         TEXT NOT NULL REFERENCES regions (code),
    expert_id         BIGINT NOT NULL REFERENCES experts (id),
    served_on         TEXT NOT NULL,
    service_type      TEXT NOT NULL,
    project_id        BIGINT REFERENCES projects (id) ON DELETE SET NULL,
    content           TEXT NOT NULL DEFAULT '',
    opinions_given    INTEGER NOT NULL DEFAULT 0,
    opinions_adopted  INTEGER NOT NULL DEFAULT 0,
    created_by        BIGINT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    CHECK (opinions_given >= 0 AND opinions_adopted >= 0 AND opinions_adopted <= opinions_given),
    UNIQUE (town_code, expert_id, served_on, service_type)
);
CREATE INDEX expert_services_town_prefix ON expert_services (town_code COLLATE NOCASE, served_on);
CREATE INDEX expert_services_expert ON expert_services (expert_id, served_on);

-- Publicity (宣传报道): one media report about a region's programme.
CREATE TABLE media_reports (
    id            INTEGER PRIMARY KEY,
    region_code   TEXT NOT NULL REFERENCES regions (code),
    published_on  TEXT NOT NULL,
    title         TEXT NOT NULL,
    outlet        TEXT NOT NULL,
    level         TEXT NOT NULL,
    medium        TEXT NOT NULL,
    link          TEXT NOT NULL DEFAULT '',
    note          TEXT NOT NULL DEFAULT '',
    created_by    BIGINT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    UNIQUE (region_code, published_on, outlet, title)
);
CREATE INDEX media_reports_region_prefix ON media_reports (region_code COLLATE NOCASE, published_on);

-- Meetings (现场会, 例会, 推进会) held by an office or a town.
CREATE TABLE meetings (
    id          INTEGER PRIMARY KEY,
    region_code TEXT NOT NULL REFERENCES regions (code),
    held_on     TEXT NOT NULL,
    ends_on     TEXT,
    kind        TEXT NOT NULL,
    level       TEXT NOT NULL,
    title       TEXT NOT NULL,
    place       TEXT NOT NULL DEFAULT '',
    host        TEXT NOT NULL DEFAULT '',
    attendees   TEXT NOT NULL DEFAULT '',
    topics      TEXT NOT NULL DEFAULT '',
    decisions   TEXT NOT NULL DEFAULT '',
    created_by  BIGINT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (region_code, held_on, title)
);
CREATE INDEX meetings_region_prefix ON meetings (region_code COLLATE NOCASE, held_on);

-- Work teams (工作专班): staff seconded to an office, for a period.
CREATE TABLE work_team_members (
    id           INTEGER PRIMARY KEY,
    region_code  TEXT NOT NULL REFERENCES regions (code),
    name         TEXT NOT NULL,
    home_unit    TEXT NOT NULL DEFAULT '',
    post         TEXT NOT NULL DEFAULT '',
    phone        TEXT NOT NULL DEFAULT '',
    starts_on    TEXT NOT NULL,
    ends_on      TEXT,
    note         TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (region_code, name, starts_on)
);
CREATE INDEX work_team_members_region_prefix ON work_team_members (region_code COLLATE NOCASE);

-- Town indicators: definitions by an office (visible to it and below), values
-- per town per period ('2020', '2020H1', '2020Q3' or '2020-06' by `period`).
CREATE TABLE indicators (
    id                INTEGER PRIMARY KEY,
    region_code       TEXT NOT NULL REFERENCES regions (code),
    code              TEXT NOT NULL,
    name              TEXT NOT NULL,
    unit              TEXT NOT NULL DEFAULT '',
    period            TEXT NOT NULL,
    aggregation       TEXT NOT NULL,
    higher_is_better  BOOLEAN NOT NULL DEFAULT TRUE,
    target_milli      BIGINT,
    note              TEXT NOT NULL DEFAULT '',
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    UNIQUE (region_code, code)
);
CREATE INDEX indicators_region_prefix ON indicators (region_code COLLATE NOCASE);

CREATE TABLE indicator_values (
    id            INTEGER PRIMARY KEY,
    indicator_id  BIGINT NOT NULL REFERENCES indicators (id) ON DELETE CASCADE,
    town_code     TEXT NOT NULL REFERENCES regions (code),
    period        TEXT NOT NULL,
    value_milli   BIGINT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    updated_by    BIGINT,
    updated_at    BIGINT NOT NULL,
    UNIQUE (indicator_id, town_code, period)
);
CREATE INDEX indicator_values_town_prefix ON indicator_values (town_code COLLATE NOCASE, indicator_id, period);
