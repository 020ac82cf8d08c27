-- Indexes for region-scope prefix filters (PostgreSQL). Keep in step with
-- ../sqlite/0003_scope_prefix_indexes.sql: same names, tables and columns.
--
-- Scope becomes `column LIKE '<code>%'` (repo::scope_filter). Unless the
-- database collation is "C", PostgreSQL uses a btree for a LIKE prefix only
-- with the text_pattern_ops operator class. Without these, every scoped list,
-- count and drill-down scanned whole tables; at province scale
-- (docs/benchmarks.md) the audit log took ~85 ms a page.

-- Audit log: the scope range, and time order for the newest entries first.
CREATE INDEX audit_log_region_prefix ON audit_log (region_code text_pattern_ops, at);
CREATE INDEX audit_log_at ON audit_log (at, id);
DROP INDEX audit_log_region_at;

-- Region drill-down: counts per level and per child below a code.
CREATE INDEX regions_code_prefix ON regions (code text_pattern_ops, level);
CREATE INDEX users_region_prefix ON users (region_code text_pattern_ops);
CREATE INDEX grids_town_prefix ON grids (town_code text_pattern_ops);
