-- Village grid counts (PostgreSQL). Keep in step with ../sqlite/0004_grids_village_prefix.sql.
-- A town's drill-down counts its villages' grids with
-- `grids.village_code LIKE '<town>%'`; like 0003, a prefix LIKE uses an index
-- only with text_pattern_ops (unless the collation is "C"). Without it: a scan
-- of every grid (docs/benchmarks.md: town page 2.7 ms → 4.4 ms at province scale).
CREATE INDEX grids_village_prefix ON grids (village_code text_pattern_ops);
