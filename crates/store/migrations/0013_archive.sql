-- Legacy archive imports (R-ENT-6, ADR 0008). An archive's establishments are enterprises;
-- one without a credit code is registered under a placeholder code (`archive:<source>:<id>`,
-- never a valid code) and flagged here until an officer completes it. Every enterprise an
-- archive brought keeps its source and external id, the key a re-run merges by.
CREATE TABLE archive_establishments (
    enterprise_id UUID PRIMARY KEY REFERENCES enterprises(id),
    source TEXT NOT NULL,
    external_id TEXT NOT NULL,
    credit_code_missing BOOLEAN NOT NULL,
    -- The archive's own word for what it is (restaurant, take-out …), as written.
    establishment_type TEXT,
    job_id UUID,
    created_at BIGINT NOT NULL,
    UNIQUE (source, external_id)
);
CREATE INDEX archive_establishments_missing ON archive_establishments(credit_code_missing);

-- An archived inspection is merged by its source and external id; its result as the archive
-- wrote it (Pass, Conditional Pass …).
ALTER TABLE inspections ADD COLUMN archive_result TEXT;
CREATE UNIQUE INDEX inspections_archive_key ON inspections(archive_source, external_id);

-- An archived finding (a hazard with source `archive` and `source_id` its inspection) is
-- merged by its key inside the inspection.
ALTER TABLE hazards ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX hazards_archive_key ON hazards(source_id, external_id);

-- Historic enforcement on a finding, kept as the archive recorded it (the case workflow
-- comes later): the action taken, the court outcome, and the fine in minor units (cents,
-- fen) with its currency.
CREATE TABLE hazard_enforcement_records (
    id UUID PRIMARY KEY,
    hazard_id UUID NOT NULL REFERENCES hazards(id),
    action TEXT,
    outcome TEXT,
    fine_minor BIGINT,
    currency TEXT,
    decided_on TEXT NOT NULL,
    source TEXT NOT NULL,
    job_id UUID,
    created_at BIGINT NOT NULL
);
CREATE INDEX hazard_enforcement_records_hazard ON hazard_enforcement_records(hazard_id);

-- An archive's row errors name the file they are in.
ALTER TABLE import_errors ADD COLUMN file_name TEXT;
