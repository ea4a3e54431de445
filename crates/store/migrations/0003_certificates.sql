-- Certificates and certification bodies (R-CERT-1, R-CERT-2): every status change is kept in
-- certificate_status_history. Dates are TEXT `YYYY-MM-DD` (sortable, engine-neutral);
-- scopes are space-separated product-category codes.

CREATE TABLE certification_bodies (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL,
    approval_number TEXT NOT NULL UNIQUE,
    region_code TEXT NOT NULL,
    scope TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE TABLE certificates (
    id UUID PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    holder_id UUID NOT NULL REFERENCES enterprises(id),
    issuer_body_id UUID REFERENCES certification_bodies(id),
    issuer_name TEXT NOT NULL,
    region_code TEXT NOT NULL,
    scope TEXT NOT NULL,
    scope_text TEXT,
    issued_on TEXT NOT NULL,
    expires_on TEXT NOT NULL,
    status TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX certificates_holder ON certificates(holder_id);
CREATE INDEX certificates_region ON certificates(region_code);
CREATE INDEX certificates_expiry ON certificates(status, expires_on);

CREATE TABLE certificate_status_history (
    id UUID PRIMARY KEY,
    certificate_id UUID NOT NULL REFERENCES certificates(id),
    from_status TEXT,
    to_status TEXT NOT NULL,
    reason TEXT NOT NULL,
    effective_on TEXT NOT NULL,
    changed_at BIGINT NOT NULL,
    changed_by TEXT NOT NULL
);
CREATE INDEX certificate_status_history_certificate ON certificate_status_history(certificate_id);
