-- Weekly campaign reports a bureau submits for its own region (R-REP-1): the figures as they
-- stood when submitted, kept as a JSON snapshot with its SHA-256, so a report regenerated
-- later is compared with what was published and the level above sees who has submitted.
-- One per (campaign, region, week); never updated.

CREATE TABLE weekly_reports (
    id UUID PRIMARY KEY,
    campaign_id UUID NOT NULL REFERENCES campaigns(id),
    region_code TEXT NOT NULL,
    -- ISO week, e.g. `2022-W18`.
    week TEXT NOT NULL,
    organisation_id UUID REFERENCES organisations(id),
    submitted_by UUID REFERENCES users(id),
    submitted_by_name TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
    -- The instant the figures were computed as of (the submission's own instant).
    as_of BIGINT NOT NULL,
    -- JSON: {"rows": {region: {figure: count}}, "total": {figure: count}, …}.
    figures TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    note TEXT,
    UNIQUE (campaign_id, region_code, week)
);
CREATE INDEX weekly_reports_week ON weekly_reports(campaign_id, week, region_code);
