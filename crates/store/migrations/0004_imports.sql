-- Bulk imports (R-ENT-5): one row per import job with its progress (a page reload finds it),
-- its per-row errors, and the per-enterprise changes it made (history without one audit
-- entry per row: the import's single audit entry names the job).

CREATE TABLE import_jobs (
    id UUID PRIMARY KEY,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    strict BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    message TEXT,
    total_rows BIGINT NOT NULL,
    processed_rows BIGINT NOT NULL,
    inserted BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    unchanged BIGINT NOT NULL,
    error_rows BIGINT NOT NULL,
    organisation_id UUID,
    region_code TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX import_jobs_organisation ON import_jobs(organisation_id);

CREATE TABLE import_errors (
    id UUID PRIMARY KEY,
    job_id UUID NOT NULL REFERENCES import_jobs(id),
    row_number BIGINT NOT NULL,
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX import_errors_job ON import_errors(job_id, row_number);

CREATE TABLE enterprise_changes (
    id UUID PRIMARY KEY,
    enterprise_id UUID NOT NULL REFERENCES enterprises(id),
    at BIGINT NOT NULL,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    job_id UUID
);
CREATE INDEX enterprise_changes_enterprise ON enterprise_changes(enterprise_id, at);
