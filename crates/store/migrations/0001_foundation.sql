-- Foundation: bureaus, jurisdictions, users, sessions, tokens, throttling, audit chain,
-- leases. Written once for SQLite and PostgreSQL: UUID, BIGINT, TEXT and BOOLEAN mean the
-- same on both. Times are BIGINT microseconds since the epoch, UTC.

CREATE TABLE organisations (
    id UUID PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    region_code TEXT NOT NULL,
    parent_id UUID REFERENCES organisations(id),
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX organisations_region ON organisations(region_code);
CREATE INDEX organisations_parent ON organisations(parent_id);

CREATE TABLE organisation_regions (
    organisation_id UUID NOT NULL REFERENCES organisations(id),
    region_code TEXT NOT NULL,
    PRIMARY KEY (organisation_id, region_code)
);

CREATE TABLE users (
    id UUID PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    organisation_id UUID REFERENCES organisations(id),
    department TEXT,
    officer_number TEXT,
    binding_kind TEXT,
    binding_id UUID,
    region_code TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    password_changed_at BIGINT NOT NULL,
    must_change_password BOOLEAN NOT NULL,
    totp_secret TEXT,
    totp_enabled BOOLEAN NOT NULL,
    totp_last_step BIGINT,
    locale TEXT,
    locked BOOLEAN NOT NULL,
    failed_logins BIGINT NOT NULL,
    locked_until BIGINT,
    last_login_at BIGINT,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX users_region ON users(region_code);
CREATE INDEX users_organisation ON users(organisation_id);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id),
    second_factor_passed BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    ip TEXT,
    user_agent TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE login_throttle (
    throttle_key TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    failures BIGINT NOT NULL
);

CREATE TABLE audit_entries (
    seq BIGINT PRIMARY KEY,
    id UUID NOT NULL,
    at BIGINT NOT NULL,
    actor_id UUID,
    actor_name TEXT NOT NULL,
    os_user TEXT,
    ip TEXT,
    user_agent TEXT,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT,
    region_code TEXT,
    organisation_id UUID,
    before_json TEXT,
    after_json TEXT,
    key_id TEXT NOT NULL,
    prev_mac TEXT NOT NULL,
    mac TEXT NOT NULL
);
CREATE INDEX audit_entries_at ON audit_entries(at);
CREATE INDEX audit_entries_entity ON audit_entries(entity_type, entity_id);
CREATE INDEX audit_entries_region ON audit_entries(region_code);

CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    mac TEXT NOT NULL,
    signature TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, mac, signature)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', '');

CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE sweep_runs (
    id UUID PRIMARY KEY,
    sweep TEXT NOT NULL,
    holder TEXT NOT NULL,
    at BIGINT NOT NULL
);
