-- Project comments (意见与回复, SQLite). Keep in step with
-- ../postgres/0007_project_comments.sql: same names, tables and columns.
--
-- One thread per project: offices above a town leave comments, the town's
-- staff reply. town_code is copied from the project so reads filter by the
-- reader's scope on this table's own column (repo::scope_filter), and so the
-- table carries its distribution column like every other scoped table.
-- author_name and author_role are kept as they were when the comment was
-- written (a later rename or role change does not rewrite the thread).

CREATE TABLE project_comments (
    id           INTEGER PRIMARY KEY,
    project_id   BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    town_code    TEXT NOT NULL,
    author_id    BIGINT,
    author_name  TEXT NOT NULL,
    author_role  TEXT NOT NULL,
    body         TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
-- The thread of one project, oldest first.
CREATE INDEX project_comments_project ON project_comments (project_id, created_at);
-- Comments under a region (like 0005: SQLite turns a LIKE prefix into an
-- index range only on a NOCASE index; codes are digits, nothing changes in meaning).
CREATE INDEX project_comments_town_prefix ON project_comments (town_code COLLATE NOCASE, created_at);
