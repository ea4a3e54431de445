-- Self-inspections (R-SELF-1, R-SELF-2), inspection plans (R-INSP-1) and on-site inspection
-- records (R-INSP-3). Dates are TEXT `YYYY-MM-DD` in the bureau's zone; instants are
-- microseconds UTC. Answers to a checklist are stored as JSON on their record: they are read
-- and written whole, and the statistics count records, not answers.

-- An enterprise's self-inspection against the checklist that applies to it, for a campaign or
-- on its own initiative. A draft is the enterprise's own until submitted; submitting turns
-- each failed item into a hazard (source `self_inspection`, `source_id` = this record).
CREATE TABLE self_inspections (
    id UUID PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    enterprise_id UUID NOT NULL REFERENCES enterprises(id),
    region_code TEXT NOT NULL,
    campaign_id UUID REFERENCES campaigns(id),
    -- `draft` or `submitted`.
    status TEXT NOT NULL,
    -- Space-separated `domain::checklist::EnterpriseType` codes and catalogue codes the
    -- checklist was chosen for, fixed when the draft was started.
    enterprise_types TEXT NOT NULL,
    category_codes TEXT NOT NULL,
    -- JSON array of {item, result: pass|fail|not_applicable, note, plan, deadline}.
    answers TEXT NOT NULL,
    -- A major risk the enterprise reports (R-SELF-2), beyond the failed major items.
    major_risk TEXT,
    responsible_person TEXT,
    submitted_on TEXT,
    submitted_at BIGINT,
    submitted_by TEXT,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX self_inspections_campaign ON self_inspections(campaign_id, region_code, submitted_on);
CREATE INDEX self_inspections_enterprise ON self_inspections(enterprise_id, created_at);

-- A plan of on-site inspections: its kind, the bureau that set it up, the region it covers,
-- and its targets — listed in inspection_plan_targets, or every target enterprise of the
-- campaign in the region (`full_coverage`).
CREATE TABLE inspection_plans (
    id UUID PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    -- routine | special | unannounced | cross_region | joint | key
    kind TEXT NOT NULL,
    organisation_id UUID REFERENCES organisations(id),
    region_code TEXT NOT NULL,
    campaign_id UUID REFERENCES campaigns(id),
    full_coverage BOOLEAN NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    -- Other departments of a joint inspection, as written.
    departments TEXT NOT NULL,
    note TEXT NOT NULL,
    status TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX inspection_plans_region ON inspection_plans(region_code, starts_on);

CREATE TABLE inspection_plan_targets (
    plan_id UUID NOT NULL REFERENCES inspection_plans(id),
    enterprise_id UUID NOT NULL REFERENCES enterprises(id),
    PRIMARY KEY (plan_id, enterprise_id)
);

-- One on-site inspection of one enterprise. A draft is kept on the server (and in the
-- phone's browser until sent); `client_key` makes a draft re-sent after a dropped connection
-- land once. `archived` records come from a legacy archive import, with their source and id.
CREATE TABLE inspections (
    id UUID PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    plan_id UUID REFERENCES inspection_plans(id),
    campaign_id UUID REFERENCES campaigns(id),
    enterprise_id UUID NOT NULL REFERENCES enterprises(id),
    region_code TEXT NOT NULL,
    -- routine | special | unannounced | cross_region | joint | key
    kind TEXT NOT NULL,
    -- `draft` or `completed`.
    status TEXT NOT NULL,
    archived BOOLEAN NOT NULL,
    archive_source TEXT,
    external_id TEXT,
    -- Advance notice: `none` (unannounced) or `given`, with when and how.
    notice TEXT NOT NULL,
    notice_note TEXT,
    -- JSON array of {user_id, name} (at least two to complete), and of expert names.
    officers TEXT NOT NULL,
    experts TEXT NOT NULL,
    staff_present TEXT NOT NULL,
    place TEXT NOT NULL,
    -- Local date-times `YYYY-MM-DDTHH:MM` in the bureau's zone.
    started_at TEXT,
    ended_at TEXT,
    inspected_on TEXT NOT NULL,
    -- JSON array of {item, result, note}.
    checklist TEXT NOT NULL,
    findings TEXT NOT NULL,
    measures TEXT NOT NULL,
    feedback TEXT NOT NULL,
    -- Space-separated attachment ids on the enterprise file (photos, documents).
    attachment_ids TEXT NOT NULL,
    completed_on TEXT,
    completed_at BIGINT,
    client_key TEXT UNIQUE,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX inspections_campaign ON inspections(campaign_id, region_code, completed_on);
CREATE INDEX inspections_enterprise ON inspections(enterprise_id, inspected_on);
CREATE INDEX inspections_plan ON inspections(plan_id);
CREATE INDEX inspections_region ON inspections(region_code, status, inspected_on);
