-- The enterprise ledger (一企一档, R-ENT-1..4): one row per enterprise keyed by its unified
-- social credit code, its contacts, and the product categories it makes or sells.
-- Coordinates are integer micro-degrees (BIGINT) so both engines store them alike.

CREATE TABLE enterprises (
    id UUID PRIMARY KEY,
    uscc TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    legal_representative TEXT NOT NULL,
    legal_rep_id_number TEXT,
    legal_rep_phone TEXT,
    address TEXT NOT NULL,
    region_code TEXT NOT NULL,
    latitude_e6 BIGINT,
    longitude_e6 BIGINT,
    industry_code TEXT,
    scale TEXT NOT NULL,
    status TEXT NOT NULL,
    is_producer BOOLEAN NOT NULL,
    is_distributor BOOLEAN NOT NULL,
    is_online_seller BOOLEAN NOT NULL,
    industrial_park TEXT,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX enterprises_region ON enterprises(region_code);
CREATE INDEX enterprises_name ON enterprises(name);

CREATE TABLE enterprise_contacts (
    id UUID PRIMARY KEY,
    enterprise_id UUID NOT NULL REFERENCES enterprises(id),
    name TEXT NOT NULL,
    position TEXT NOT NULL,
    phone TEXT NOT NULL,
    sort_order BIGINT NOT NULL
);
CREATE INDEX enterprise_contacts_enterprise ON enterprise_contacts(enterprise_id);

CREATE TABLE enterprise_categories (
    enterprise_id UUID NOT NULL REFERENCES enterprises(id),
    category_code TEXT NOT NULL,
    PRIMARY KEY (enterprise_id, category_code)
);
CREATE INDEX enterprise_categories_category ON enterprise_categories(category_code);
