-- Accounts for the supervised (issue 4): the laboratory registry (test institutions with
-- their CNAS accreditation and approved test scope) and enterprises' self-registrations,
-- which an officer of the jurisdiction confirms or rejects.

CREATE TABLE laboratories (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL,
    accreditation_number TEXT NOT NULL UNIQUE,
    cma_number TEXT,
    region_code TEXT NOT NULL,
    -- Space-separated product-category codes of the approved test scope.
    scope TEXT NOT NULL,
    -- Standards and parameters of the approved scope, as written.
    scope_text TEXT,
    status TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX laboratories_region ON laboratories(region_code);

-- region_code is where the request is decided: the registered enterprise's region when the
-- credit code matched one, otherwise the region the applicant chose. The password is kept
-- only as its hash, and only while the request is pending.
CREATE TABLE enterprise_registrations (
    id UUID PRIMARY KEY,
    uscc TEXT NOT NULL,
    company_name TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    phone TEXT NOT NULL,
    username TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    chosen_region_code TEXT NOT NULL,
    region_code TEXT NOT NULL,
    enterprise_id UUID REFERENCES enterprises(id),
    status TEXT NOT NULL,
    reason TEXT,
    decided_by TEXT,
    decided_at BIGINT,
    user_id UUID,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX enterprise_registrations_region ON enterprise_registrations(region_code, status);
CREATE INDEX enterprise_registrations_username ON enterprise_registrations(username, status);
