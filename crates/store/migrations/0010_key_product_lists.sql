-- Key-product lists regions add to (R-CAT-2). The shipped lists (seed 001, 004) stay reference
-- data in the domain crate; these are the lists a bureau defines for a region and year,
-- optionally extending a shipped list (`extends_list` names it, e.g. `jiangxi-2022`). Lower
-- regions inherit the lists of higher ones. Category codes are checked against the catalogue
-- by the application.

CREATE TABLE key_product_lists (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL,
    year BIGINT NOT NULL,
    campaign TEXT,
    extends_list TEXT,
    region_code TEXT NOT NULL,
    organisation_id UUID REFERENCES organisations(id),
    version BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX key_product_lists_region ON key_product_lists(region_code, year);

CREATE TABLE key_product_list_items (
    id UUID PRIMARY KEY,
    list_id UUID NOT NULL REFERENCES key_product_lists(id),
    category_code TEXT NOT NULL,
    note TEXT,
    added_by TEXT NOT NULL,
    added_at BIGINT NOT NULL,
    UNIQUE (list_id, category_code)
);
