-- The hazard ledger's wording search (store/src/hazards.rs `list`, `q=`): a hazard's number and
-- description join the region index, so counting a region's hazards whose wording contains a
-- phrase reads that index alone instead of fetching every one of the region's rows from the
-- table to test its description. A phrase from a checklist item matches one hazard in eight of
-- a province's two million, and the capped count (10,001) of a city's matches read about 80,000
-- rows: 110 ms, now 20 ms (BENCHMARKS.md).
-- engine: sqlite
DROP INDEX hazards_region;
CREATE INDEX hazards_region ON hazards(region_code, status, level, found_on, deadline, number, description);
-- engine: postgres
-- Not on PostgreSQL: a B-tree entry there must fit in a third of a page (about 2,700 bytes), and
-- a description may hold 2,000 characters, so a long one would make its hazard impossible to save.
