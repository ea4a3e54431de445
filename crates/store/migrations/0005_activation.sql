-- Accounts for the supervised: an officer issues a one-time activation code for an enterprise
-- (printed on a notice); the enterprise claims its account with it. Only the hash is stored.

CREATE TABLE activation_codes (
    id UUID PRIMARY KEY,
    code_hash TEXT NOT NULL UNIQUE,
    enterprise_id UUID NOT NULL REFERENCES enterprises(id),
    region_code TEXT NOT NULL,
    issued_by TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    used_by UUID
);
CREATE INDEX activation_codes_enterprise ON activation_codes(enterprise_id);
