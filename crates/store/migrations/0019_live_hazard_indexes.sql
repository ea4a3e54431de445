-- The hazard ledger's list of hazards still to be dealt with (store/src/hazards.rs `list`): a
-- filter on open, rectifying or awaiting review, or on overdue, walks one of these instead of the
-- sort column's index over every hazard. At a province's scale seven hazards in eight are closed
-- or voided, and the walk over all of them read past thousands of those for one page of open
-- ones (BENCHMARKS.md). Only live hazards are in them, so closed records (an archive's findings)
-- cost them nothing.
CREATE INDEX hazards_live_found ON hazards(found_on, region_code, status, level, deadline, id)
    WHERE status IN ('open', 'rectifying', 'evidence_submitted');
CREATE INDEX hazards_live_deadline ON hazards(deadline, region_code, status, level, found_on, id)
    WHERE status IN ('open', 'rectifying', 'evidence_submitted');
