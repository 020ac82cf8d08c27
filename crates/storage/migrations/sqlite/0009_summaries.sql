-- 工作总结 (SQLite): generated work summaries, edited in the browser, with every
-- saved version kept. Keep in step with ../postgres/0009_summaries.sql.
--
-- A summary belongs to a region (region_code, the scope column) and a period
-- ('2020' for a year, '2020H1' / '2020H2' for a half-year). `body` of a
-- revision is the whole draft as JSON (sections, paragraphs, the figures each
-- paragraph cites), so any saved version can be shown or exported again
-- exactly as it was.

CREATE TABLE summaries (
    id              INTEGER PRIMARY KEY,
    region_code     TEXT NOT NULL REFERENCES regions (code),
    period          TEXT NOT NULL,
    layout          TEXT NOT NULL,
    title           TEXT NOT NULL,
    revision        INTEGER NOT NULL,
    created_by      BIGINT,
    created_at      BIGINT NOT NULL,
    updated_by      BIGINT,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX summaries_region_prefix ON summaries (region_code COLLATE NOCASE, period);

CREATE TABLE summary_revisions (
    id           INTEGER PRIMARY KEY,
    summary_id   BIGINT NOT NULL REFERENCES summaries (id) ON DELETE CASCADE,
    region_code  TEXT NOT NULL,
    revision     INTEGER NOT NULL,
    body         TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    author_id    BIGINT,
    author_name  TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    UNIQUE (summary_id, revision)
);
