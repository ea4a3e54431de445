-- Indexes looked up only by a value that records without one never match: a campaign
-- (`campaign_id = ?`, the statistics of store/src/reports.rs and the inspection list), an
-- inspection plan (`plan_id = ?`) and an escalation date (`escalation_due_on <= ?`, the sweep).
-- Records without that value (an archive's inspections and closed findings, inspections outside
-- a campaign) are left out of them, so they cost those indexes nothing: of the 91.6 MB of
-- indexes the Toronto archive import gave its four tables, 20.1 MB were these five, holding rows
-- no query reads through them (BENCHMARKS.md, "Legacy archive import"). A query comparing the
-- column with `=` or `<=` implies `IS NOT NULL`, which lets both engines use the partial index.
DROP INDEX hazards_report;
CREATE INDEX hazards_report ON hazards(campaign_id, region_code, found_on, level, status, closed_on, updated_at,
    created_at, original_deadline, deadline, source, id) WHERE campaign_id IS NOT NULL;
DROP INDEX hazards_escalation;
CREATE INDEX hazards_escalation ON hazards(escalation_due_on) WHERE escalation_due_on IS NOT NULL;
DROP INDEX inspections_report;
CREATE INDEX inspections_report ON inspections(enterprise_id, campaign_id, status, inspected_on, completed_at, created_at)
    WHERE campaign_id IS NOT NULL;
DROP INDEX inspections_campaign;
CREATE INDEX inspections_campaign ON inspections(campaign_id, region_code, completed_on) WHERE campaign_id IS NOT NULL;
DROP INDEX inspections_plan;
CREATE INDEX inspections_plan ON inspections(plan_id) WHERE plan_id IS NOT NULL;
