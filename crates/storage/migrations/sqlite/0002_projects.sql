-- 项目化推进 (SQLite). Keep in step with ../postgres/0002_projects.sql.
-- Money is integer fen (分). Dates are 'YYYY-MM-DD' text. Land areas are
-- hundredths of a 亩 (integer) so sums stay exact.

CREATE TABLE projects (
    id                      INTEGER PRIMARY KEY,
    town_code               TEXT NOT NULL REFERENCES regions (code),
    code                    TEXT NOT NULL,
    name                    TEXT NOT NULL,
    pillar                  TEXT NOT NULL,
    basic_facility          TEXT,
    is_key                  BOOLEAN NOT NULL DEFAULT 0,
    content                 TEXT NOT NULL DEFAULT '',
    owner_unit              TEXT NOT NULL DEFAULT '',
    responsible_person      TEXT NOT NULL DEFAULT '',
    funding_sources         TEXT NOT NULL DEFAULT '',
    total_investment_fen    BIGINT NOT NULL,
    planned_start           TEXT,
    planned_finish          TEXT,
    actual_start            TEXT,
    actual_finish           TEXT,
    status                  TEXT NOT NULL,
    progress_text           TEXT NOT NULL DEFAULT '',
    progress_pct            INTEGER,
    land_acquired_centimu   BIGINT NOT NULL DEFAULT 0,
    land_transferred_centimu BIGINT NOT NULL DEFAULT 0,
    graves_moved            BIGINT NOT NULL DEFAULT 0,
    households_relocated    BIGINT NOT NULL DEFAULT 0,
    problems                TEXT NOT NULL DEFAULT '',
    review_state            TEXT NOT NULL DEFAULT 'ok',
    review_note             TEXT NOT NULL DEFAULT '',
    created_at              BIGINT NOT NULL,
    updated_at              BIGINT NOT NULL,
    created_by              BIGINT,
    UNIQUE (town_code, code)
);
CREATE INDEX projects_town ON projects (town_code);

-- Planned investment per project per year (a project can span years).
CREATE TABLE project_plans (
    project_id           BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    town_code            TEXT NOT NULL,
    year                 INTEGER NOT NULL,
    planned_investment_fen BIGINT NOT NULL,
    PRIMARY KEY (project_id, year)
);
CREATE INDEX project_plans_town_year ON project_plans (town_code, year);

-- One report per project per month. cumulative_fen counts from the project's
-- start (never down without a correction reason); month_fen is this month's.
CREATE TABLE monthly_reports (
    id                INTEGER PRIMARY KEY,
    project_id        BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    town_code         TEXT NOT NULL,
    year              INTEGER NOT NULL,
    month             INTEGER NOT NULL,
    month_fen         BIGINT NOT NULL,
    cumulative_fen    BIGINT NOT NULL,
    year_cumulative_fen BIGINT NOT NULL,
    status            TEXT NOT NULL,
    progress_text     TEXT NOT NULL DEFAULT '',
    progress_pct      INTEGER,
    problems          TEXT NOT NULL DEFAULT '',
    correction_reason TEXT NOT NULL DEFAULT '',
    submitted_at      BIGINT NOT NULL,
    submitted_by      BIGINT,
    updated_at        BIGINT NOT NULL,
    UNIQUE (project_id, year, month)
);
CREATE INDEX monthly_reports_town_month ON monthly_reports (town_code, year, month);

-- A town's month: open → submitted → accepted (locked) or returned.
CREATE TABLE reporting_periods (
    town_code    TEXT NOT NULL REFERENCES regions (code),
    year         INTEGER NOT NULL,
    month        INTEGER NOT NULL,
    state        TEXT NOT NULL,
    submitted_at BIGINT,
    reviewed_at  BIGINT,
    reviewed_by  BIGINT,
    review_note  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (town_code, year, month)
);

CREATE TABLE photos (
    id           INTEGER PRIMARY KEY,
    project_id   BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    report_id    BIGINT REFERENCES monthly_reports (id) ON DELETE SET NULL,
    town_code    TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes        BIGINT NOT NULL,
    width        INTEGER,
    height       INTEGER,
    taken_at     TEXT,
    lat_e6       BIGINT,
    lon_e6       BIGINT,
    caption      TEXT NOT NULL DEFAULT '',
    uploaded_at  BIGINT NOT NULL,
    uploaded_by  BIGINT
);
CREATE INDEX photos_project ON photos (project_id);
CREATE INDEX photos_town ON photos (town_code, uploaded_at);

-- Live per-town monthly figures, recomputed for one town whenever its projects
-- or reports change, so region figures sum at most 1,387 rows.
CREATE TABLE town_month_stats (
    town_code                TEXT NOT NULL,
    year                     INTEGER NOT NULL,
    month                    INTEGER NOT NULL,
    projects                 BIGINT NOT NULL,
    not_started              BIGINT NOT NULL,
    started                  BIGINT NOT NULL,
    completed                BIGINT NOT NULL,
    planned_to_start         BIGINT NOT NULL,
    planned_to_complete      BIGINT NOT NULL,
    total_investment_fen     BIGINT NOT NULL,
    planned_investment_fen   BIGINT NOT NULL,
    completed_investment_fen BIGINT NOT NULL,
    reports_expected         BIGINT NOT NULL,
    reports_submitted        BIGINT NOT NULL,
    computed_at              BIGINT NOT NULL,
    PRIMARY KEY (town_code, year, month)
);

-- Figures frozen when a month is published, so a past ranking can be shown
-- exactly as it stood after later corrections.
CREATE TABLE town_month_snapshots (
    town_code                TEXT NOT NULL,
    year                     INTEGER NOT NULL,
    month                    INTEGER NOT NULL,
    projects                 BIGINT NOT NULL,
    not_started              BIGINT NOT NULL,
    started                  BIGINT NOT NULL,
    completed                BIGINT NOT NULL,
    planned_to_start         BIGINT NOT NULL,
    planned_to_complete      BIGINT NOT NULL,
    total_investment_fen     BIGINT NOT NULL,
    planned_investment_fen   BIGINT NOT NULL,
    completed_investment_fen BIGINT NOT NULL,
    reports_expected         BIGINT NOT NULL,
    reports_submitted        BIGINT NOT NULL,
    published_at             BIGINT NOT NULL,
    PRIMARY KEY (town_code, year, month)
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
