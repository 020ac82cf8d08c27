-- 暗访督查 (SQLite). Keep in step with ../postgres/0006_inspections.sql.
-- Scores and deductions are hundredths of a point (integers). Dates are
-- 'YYYY-MM-DD' text, instants are milliseconds since the epoch.
--
-- Secrecy: a round is visible to the office that owns it (owner_code) and the
-- offices above, to the inspectors assigned to it (their own inspections
-- only), and, once published, to the regions of the towns it inspected. The
-- filter lives in repo::inspections and nowhere else.

-- The checklist, one immutable row per version; `body` is the catalogue as JSON.
CREATE TABLE checklist_versions (
    id          INTEGER PRIMARY KEY,
    region_code TEXT NOT NULL REFERENCES regions (code),
    version     INTEGER NOT NULL,
    body        TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    created_by  BIGINT,
    UNIQUE (region_code, version)
);

CREATE TABLE rounds (
    id              INTEGER PRIMARY KEY,
    owner_code      TEXT NOT NULL REFERENCES regions (code),
    name            TEXT NOT NULL,
    year            INTEGER NOT NULL,
    quarter         INTEGER NOT NULL,
    checklist_id    BIGINT NOT NULL REFERENCES checklist_versions (id),
    starts_on       TEXT NOT NULL,
    ends_on         TEXT NOT NULL,
    sample_rule     TEXT,
    sample_seed     BIGINT,
    state           TEXT NOT NULL,
    published_on    TEXT,
    published_at    BIGINT,
    published_by    BIGINT,
    notice_title    TEXT NOT NULL DEFAULT '',
    notice_number   TEXT NOT NULL DEFAULT '',
    notice_opening  TEXT NOT NULL DEFAULT '',
    notice_closing  TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    created_by      BIGINT,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX rounds_owner_prefix ON rounds (owner_code COLLATE NOCASE);
CREATE INDEX rounds_quarter ON rounds (year, quarter);

-- One town visited in a round. score/deducted/findings are kept current on
-- every finding write, so rankings read one row per town.
CREATE TABLE inspections (
    id            INTEGER PRIMARY KEY,
    round_id      BIGINT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    town_code     TEXT NOT NULL REFERENCES regions (code),
    inspector_id  BIGINT REFERENCES users (id),
    planned_on    TEXT,
    state         TEXT NOT NULL,
    submitted_at  BIGINT,
    score         BIGINT NOT NULL,
    deducted      BIGINT NOT NULL DEFAULT 0,
    findings      INTEGER NOT NULL DEFAULT 0,
    UNIQUE (round_id, town_code)
);
CREATE INDEX inspections_town_prefix ON inspections (town_code COLLATE NOCASE);
CREATE INDEX inspections_inspector ON inspections (inspector_id);

-- A problem found. client_id is made by the phone: a re-sent batch finds its
-- rows and creates nothing. rect_* is the rectification task, from publication.
CREATE TABLE findings (
    id              INTEGER PRIMARY KEY,
    inspection_id   BIGINT NOT NULL REFERENCES inspections (id) ON DELETE CASCADE,
    round_id        BIGINT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    town_code       TEXT NOT NULL REFERENCES regions (code),
    client_id       TEXT NOT NULL,
    area_code       TEXT NOT NULL,
    area_name       TEXT NOT NULL,
    item_code       TEXT NOT NULL,
    item_name       TEXT NOT NULL,
    severity        TEXT NOT NULL,
    deduction       BIGINT NOT NULL,
    place           TEXT NOT NULL DEFAULT '',
    lat_e6          BIGINT,
    lon_e6          BIGINT,
    gps_flag        TEXT NOT NULL DEFAULT '',
    found_at        BIGINT NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    created_by      BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    rect_state      TEXT,
    deadline        TEXT,
    rect_note       TEXT NOT NULL DEFAULT '',
    answered_at     BIGINT,
    answered_by     BIGINT,
    verified_at     BIGINT,
    verified_by     BIGINT,
    verify_note     TEXT NOT NULL DEFAULT '',
    UNIQUE (inspection_id, client_id)
);
CREATE INDEX findings_round ON findings (round_id, town_code);
CREATE INDEX findings_town_prefix ON findings (town_code COLLATE NOCASE);

-- Photos of a finding: 'before' (the inspector's) and 'after' (the town's).
-- Files are content-addressed beside the progress photos.
CREATE TABLE finding_photos (
    id            INTEGER PRIMARY KEY,
    finding_id    BIGINT NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
    round_id      BIGINT NOT NULL,
    town_code     TEXT NOT NULL,
    kind          TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    bytes         BIGINT NOT NULL,
    width         INTEGER,
    height        INTEGER,
    taken_at      TEXT,
    lat_e6        BIGINT,
    lon_e6        BIGINT,
    caption       TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    created_by    BIGINT
);
CREATE INDEX finding_photos_finding ON finding_photos (finding_id);

-- A published quarterly assessment (动态考核): weights and every town's parts
-- frozen, so a past quarter reads exactly as it was circulated.
CREATE TABLE assessments (
    id             INTEGER PRIMARY KEY,
    owner_code     TEXT NOT NULL REFERENCES regions (code),
    year           INTEGER NOT NULL,
    quarter        INTEGER NOT NULL,
    weights        TEXT NOT NULL,
    published_at   BIGINT NOT NULL,
    published_by   BIGINT,
    notice_title   TEXT NOT NULL DEFAULT '',
    notice_number  TEXT NOT NULL DEFAULT '',
    notice_opening TEXT NOT NULL DEFAULT '',
    notice_closing TEXT NOT NULL DEFAULT '',
    UNIQUE (owner_code, year, quarter)
);

CREATE TABLE assessment_scores (
    assessment_id   BIGINT NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    town_code       TEXT NOT NULL REFERENCES regions (code),
    inspection      BIGINT,
    start_rate      BIGINT,
    investment_rate BIGINT,
    reporting       BIGINT,
    total           BIGINT,
    PRIMARY KEY (assessment_id, town_code)
);
CREATE INDEX assessment_scores_town_prefix ON assessment_scores (town_code COLLATE NOCASE);
