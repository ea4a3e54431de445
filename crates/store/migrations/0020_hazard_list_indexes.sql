-- The hazard ledger's list at a province's scale (store/src/hazards.rs `list`; BENCHMARKS.md).

-- The walked indexes hold the identifier right after the sort column, so a page ordered by
-- found date (or deadline) and then identifier, both in the one direction, comes out of the
-- index in its order. With the identifier last, a page had to read and sort every hazard of its
-- day: about 10,000 rows a day in a province of two million.
DROP INDEX hazards_list_found;
DROP INDEX hazards_list_deadline;
DROP INDEX hazards_live_found;
DROP INDEX hazards_live_deadline;
CREATE INDEX hazards_list_found ON hazards(found_on, id, region_code, status, level, deadline);
CREATE INDEX hazards_list_deadline ON hazards(deadline, id, region_code, status, level, found_on);
CREATE INDEX hazards_live_found ON hazards(found_on, id, region_code, status, level, deadline)
    WHERE status IN ('open', 'rectifying', 'evidence_submitted');
CREATE INDEX hazards_live_deadline ON hazards(deadline, id, region_code, status, level, found_on)
    WHERE status IN ('open', 'rectifying', 'evidence_submitted');

-- The wording search (`q=`): a hazard's number and description join the region index on SQLite,
-- so counting a region's hazards whose wording contains a phrase reads that index alone instead
-- of fetching each of the region's rows from the table to test its description. A phrase from a
-- checklist item matches one hazard in eight, and the capped count (10,001) of a city's matches
-- read about 80,000 rows: 110 ms, now 20 ms.
-- engine: sqlite
DROP INDEX hazards_region;
CREATE INDEX hazards_region ON hazards(region_code, status, level, found_on, deadline, number, description);
-- engine: postgres
-- Not on PostgreSQL: a B-tree entry there must fit in a third of a page (about 2,700 bytes), and
-- a description may hold 2,000 characters, so a long one would make its hazard impossible to save.
