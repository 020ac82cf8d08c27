-- Village grid counts (SQLite). Keep in step with ../postgres/0004_grids_village_prefix.sql.
-- A town's drill-down counts its villages' grids with
-- `grids.village_code LIKE '<town>%'`; like 0003, a prefix LIKE uses an index
-- only with the NOCASE collation. Without it: a scan of every grid
-- (docs/benchmarks.md: town page 1.1 ms → 3.7 ms at province scale).
CREATE INDEX grids_village_prefix ON grids (village_code COLLATE NOCASE);
