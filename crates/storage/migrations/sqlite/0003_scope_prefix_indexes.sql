-- Indexes for region-scope prefix filters (SQLite). Keep in step with
-- ../postgres/0003_scope_prefix_indexes.sql: same names, tables and columns.
--
-- Scope becomes `column LIKE '<code>%'` (repo::scope_filter). SQLite's LIKE is
-- case-insensitive, so it can turn a prefix pattern into an index range only
-- on an index with the NOCASE collation (codes are digits: nothing changes in
-- meaning). Without these, every scoped list, count and drill-down scanned
-- whole tables; at province scale (docs/benchmarks.md) the audit log took
-- ~110 ms a page.

-- Audit log: the scope range, and time order for the newest entries first.
CREATE INDEX audit_log_region_prefix ON audit_log (region_code COLLATE NOCASE, at);
CREATE INDEX audit_log_at ON audit_log (at, id);
DROP INDEX audit_log_region_at;

-- Region drill-down: counts per level and per child below a code.
CREATE INDEX regions_code_prefix ON regions (code COLLATE NOCASE, level);
CREATE INDEX users_region_prefix ON users (region_code COLLATE NOCASE);
CREATE INDEX grids_town_prefix ON grids (town_code COLLATE NOCASE);
