-- Prefix indexes for the project tables (SQLite). Keep in step with
-- ../postgres/0005_project_prefix_indexes.sql: same names, tables and columns.
--
-- Like 0003: region figures, lists and exports filter `town_code LIKE '<code>%'`,
-- and SQLite turns a LIKE prefix into an index range only on a NOCASE index
-- (codes are digits: nothing changes in meaning). The monthly tables are read
-- one month at a time, so year and month lead. At province scale
-- (docs/benchmarks.md, "Projects at province scale"; 60,000 projects, a
-- million reports) this keeps county figures, lists and the ledger export
-- from scanning whole tables.

-- Rates and rankings (stats::total, by_child) and publishing.
CREATE INDEX town_month_stats_month_prefix ON town_month_stats (year, month, town_code COLLATE NOCASE);
CREATE INDEX town_month_snapshots_month_prefix ON town_month_snapshots (year, month, town_code COLLATE NOCASE);
-- The county's reporting overview (periods_for_month) and reports of a month.
CREATE INDEX reporting_periods_month_prefix ON reporting_periods (year, month, town_code COLLATE NOCASE);
CREATE INDEX monthly_reports_month_prefix ON monthly_reports (year, month, town_code COLLATE NOCASE);
-- Project lists, counts by category/status, ledger export (one county at a time).
CREATE INDEX projects_town_prefix ON projects (town_code COLLATE NOCASE);
-- Photos of a region in a month (the Word report).
CREATE INDEX photos_town_prefix ON photos (town_code COLLATE NOCASE, uploaded_at);
-- project_plans needs none: it is always reached from a project (project_id, year).
