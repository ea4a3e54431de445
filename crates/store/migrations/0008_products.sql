-- Products on the enterprise file (R-ENT-3, R-CAT-1): what an enterprise makes or sells, one
-- row per product name and model, with its catalogue category. `model` is '' when a product
-- has none, so the uniqueness holds on both engines. record_changes keeps the per-record
-- changes that bulk imports of products and certificates make (their history, without one
-- audit entry per row: the import's single audit entry names the job).

CREATE TABLE products (
    id UUID PRIMARY KEY,
    enterprise_id UUID NOT NULL REFERENCES enterprises(id),
    category_code TEXT NOT NULL,
    name TEXT NOT NULL,
    brand TEXT,
    model TEXT NOT NULL,
    standard TEXT,
    annual_output TEXT,
    status TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    UNIQUE (enterprise_id, name, model)
);
CREATE INDEX products_category ON products(category_code);

CREATE TABLE record_changes (
    id UUID PRIMARY KEY,
    entity_type TEXT NOT NULL,
    entity_id UUID NOT NULL,
    enterprise_id UUID NOT NULL REFERENCES enterprises(id),
    at BIGINT NOT NULL,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    job_id UUID
);
CREATE INDEX record_changes_entity ON record_changes(entity_type, entity_id, at);
