-- Special campaigns (R-CAMP-1, R-CAMP-2), the hazard ledger (R-HAZ-1…3) and in-app
-- notifications (R-NOTE-1). Dates are TEXT `YYYY-MM-DD` in the bureau's zone; instants are
-- microseconds UTC. A hazard's status history (hazard_events) is what "as of" reports rebuild
-- states from (METHODS.md §1), so an event row is never updated or deleted.

CREATE TABLE campaigns (
    id UUID PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    template TEXT,
    organisation_id UUID REFERENCES organisations(id),
    issuing_authority TEXT NOT NULL,
    region_code TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    key_products TEXT NOT NULL,
    key_objects TEXT NOT NULL,
    key_problems TEXT NOT NULL,
    targets TEXT NOT NULL,
    status TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX campaigns_region ON campaigns(region_code, starts_on);

-- Stages with their deadlines and the reporting schedule, in order.
CREATE TABLE campaign_milestones (
    id UUID PRIMARY KEY,
    campaign_id UUID NOT NULL REFERENCES campaigns(id),
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    starts_on TEXT,
    due_on TEXT,
    UNIQUE (campaign_id, seq)
);

-- Supervision actions a higher bureau takes on a region of the campaign (reminder, interview,
-- notice, listed supervision 挂牌督办), with the document's attachment when there is one.
CREATE TABLE campaign_actions (
    id UUID PRIMARY KEY,
    campaign_id UUID NOT NULL REFERENCES campaigns(id),
    region_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    note TEXT NOT NULL,
    document_number TEXT,
    taken_on TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX campaign_actions_campaign ON campaign_actions(campaign_id, region_code);

CREATE TABLE hazards (
    id UUID PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    enterprise_id UUID NOT NULL REFERENCES enterprises(id),
    region_code TEXT NOT NULL,
    campaign_id UUID REFERENCES campaigns(id),
    source TEXT NOT NULL,
    source_id UUID,
    category_code TEXT,
    product TEXT,
    level TEXT NOT NULL,
    description TEXT NOT NULL,
    found_on TEXT NOT NULL,
    deadline TEXT NOT NULL,
    original_deadline TEXT NOT NULL,
    responsible_person TEXT NOT NULL,
    found_by TEXT NOT NULL,
    found_by_names TEXT NOT NULL,
    status TEXT NOT NULL,
    plan TEXT,
    evidence_submitted_on TEXT,
    extension_requested_to TEXT,
    extensions_granted BIGINT NOT NULL,
    escalations BIGINT NOT NULL,
    escalated_to UUID REFERENCES organisations(id),
    escalation_due_on TEXT,
    referred_to_case BOOLEAN NOT NULL,
    closed_because TEXT,
    closed_on TEXT,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX hazards_region ON hazards(region_code, status, found_on);
CREATE INDEX hazards_campaign ON hazards(campaign_id, region_code, found_on);
CREATE INDEX hazards_enterprise ON hazards(enterprise_id, found_on);
CREATE INDEX hazards_deadline ON hazards(status, deadline);
CREATE INDEX hazards_escalation ON hazards(escalation_due_on);

CREATE TABLE hazard_events (
    id UUID PRIMARY KEY,
    hazard_id UUID NOT NULL REFERENCES hazards(id),
    seq BIGINT NOT NULL,
    action TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    at BIGINT NOT NULL,
    on_date TEXT NOT NULL,
    actor_id UUID,
    actor_name TEXT NOT NULL,
    on_behalf BOOLEAN NOT NULL,
    note TEXT,
    deadline_before TEXT,
    deadline_after TEXT,
    attachment_ids TEXT,
    organisation_id UUID REFERENCES organisations(id),
    UNIQUE (hazard_id, seq)
);
CREATE INDEX hazard_events_at ON hazard_events(to_status, at);

-- A notification goes to a bureau (every officer of it), an enterprise (its users) or one
-- user. `dedup_key` makes a sweep that runs twice, or on two nodes, send once.
CREATE TABLE notifications (
    id UUID PRIMARY KEY,
    organisation_id UUID REFERENCES organisations(id),
    enterprise_id UUID REFERENCES enterprises(id),
    user_id UUID REFERENCES users(id),
    kind TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id UUID NOT NULL,
    params TEXT NOT NULL,
    link TEXT NOT NULL,
    dedup_key TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE INDEX notifications_organisation ON notifications(organisation_id, created_at);
CREATE INDEX notifications_enterprise ON notifications(enterprise_id, created_at);
CREATE INDEX notifications_user ON notifications(user_id, created_at);

CREATE TABLE notification_reads (
    notification_id UUID NOT NULL REFERENCES notifications(id),
    user_id UUID NOT NULL REFERENCES users(id),
    read_at BIGINT NOT NULL,
    PRIMARY KEY (notification_id, user_id)
);
