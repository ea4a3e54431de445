-- Covering indexes for the campaign statistics (R-REP-1; store/src/reports.rs): a province's
-- report reads every hazard, inspection and self-inspection of the campaign, and reading them
-- from an index that holds every column the figures look at, rather than one table row per
-- record, is what keeps it under two seconds at 2,000,000 hazards (BENCHMARKS.md).
DROP INDEX hazards_campaign;
CREATE INDEX hazards_report ON hazards(campaign_id, region_code, found_on, level, status, closed_on, updated_at,
    created_at, original_deadline, deadline, source, id);
CREATE INDEX inspections_report ON inspections(enterprise_id, campaign_id, status, inspected_on, completed_at, created_at);
CREATE INDEX self_inspections_report ON self_inspections(enterprise_id, campaign_id, status, submitted_on, submitted_at);

-- The hazard ledger's list (store/src/hazards.rs `list`): one index per sort order carrying the
-- common filters, walked when many hazards match; the region index carries them too, so the
-- capped count reads no table rows.
DROP INDEX hazards_region;
CREATE INDEX hazards_region ON hazards(region_code, status, level, found_on, deadline);
CREATE INDEX hazards_list_found ON hazards(found_on, region_code, status, level, deadline, id);
CREATE INDEX hazards_list_deadline ON hazards(deadline, region_code, status, level, found_on, id);
