-- When a hazard's status, deadline or closing last changed: the instant of its last event other
-- than an escalation (store/src/hazards.rs `HazardRow::state_changed_at`). The "as of" rules of
-- the statistics read a hazard's history only when its state changed after the instant asked
-- about; they used `updated_at`, which the sweep's escalations move too, so a province's report
-- read the histories of a quarter of a million long-overdue hazards whose state had not
-- changed since (BENCHMARKS.md, "The province's cumulative report in session 17").
--
-- A row written without it takes the default, the end of time: its history is read, which is
-- right, only slower.
ALTER TABLE hazards ADD COLUMN state_changed_at BIGINT NOT NULL DEFAULT 9223372036854775807;
UPDATE hazards SET state_changed_at = COALESCE(
    (SELECT MAX(ev.at) FROM hazard_events ev WHERE ev.hazard_id = hazards.id AND ev.action <> 'escalate'),
    created_at);

-- The statistics' covering index carries it in place of `updated_at`.
DROP INDEX hazards_report;
CREATE INDEX hazards_report ON hazards(campaign_id, region_code, found_on, level, status, closed_on, state_changed_at,
    created_at, original_deadline, deadline, source, id) WHERE campaign_id IS NOT NULL;

-- A dropped index takes its planner statistics with it, and without them SQLite may read a
-- province's report through another index, row by row (minutes instead of a second): the
-- figures are taken again now, not at the sweeper's next daily refresh.
ANALYZE hazards;
