-- Attachments on the enterprise file (R-ENT-3): photos, documents, audio and video, stored
-- outside the database in a content-addressed directory by SHA-256.

CREATE TABLE attachments (
    id UUID PRIMARY KEY,
    enterprise_id UUID NOT NULL REFERENCES enterprises(id),
    region_code TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    note TEXT,
    uploaded_by TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX attachments_enterprise ON attachments(enterprise_id, uploaded_at);
