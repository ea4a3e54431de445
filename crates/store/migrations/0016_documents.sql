-- Official documents (R-INSP-3, R-HAZ-2): 现场检查笔录, 责令限期整改通知书, 整改复查意见书,
-- each printed as a PDF kept on the enterprise's file (an attachment, by its SHA-256) and
-- numbered per kind, issuing bureau and year (`domain::document`). A document is never
-- changed: issuing again after its record changed makes a new one with a new number.
CREATE TABLE documents (
    id UUID PRIMARY KEY,
    -- As printed, e.g. `赣360121市监现检〔2026〕12号`.
    number TEXT NOT NULL UNIQUE,
    -- inspection_record | rectification_order | review_opinion
    kind TEXT NOT NULL,
    enterprise_id UUID NOT NULL REFERENCES enterprises(id),
    -- The subject's region (the inspection's or the hazard's): the document is its regional data.
    region_code TEXT NOT NULL,
    -- The issuing bureau.
    organisation_id UUID REFERENCES organisations(id),
    -- `inspection` or `hazard`, and its id.
    subject_type TEXT NOT NULL,
    subject_id UUID NOT NULL,
    -- Space-separated ids of the hazards it lists (orders and review opinions).
    hazard_ids TEXT NOT NULL,
    -- The PDF on the enterprise's file, and its SHA-256 (hex).
    attachment_id UUID NOT NULL REFERENCES attachments(id),
    sha256 TEXT NOT NULL,
    -- SHA-256 of the data printed, number and issue date left out: the same record issued
    -- again returns this document rather than a new one.
    content_hash TEXT NOT NULL,
    -- 1 for the first document of its kind for the subject, then 2, 3… as the record changes.
    edition BIGINT NOT NULL,
    issued_by TEXT NOT NULL,
    issued_by_name TEXT NOT NULL,
    issued_on TEXT NOT NULL,
    issued_at BIGINT NOT NULL
);
CREATE INDEX documents_subject ON documents(subject_id, kind, issued_at);
CREATE INDEX documents_enterprise ON documents(enterprise_id, issued_at);
