-- The sample bank of typical hazards (R-HAZ-4, seed 003 item 14): hazards officers promote
-- from the ledger with the enterprise's details removed, shared with every bureau so a known
-- problem is recognised across enterprises and regions.
CREATE TABLE hazard_samples (
    id UUID PRIMARY KEY,
    hazard_id UUID NOT NULL UNIQUE REFERENCES hazards(id),
    category_code TEXT,
    product TEXT,
    level TEXT NOT NULL,
    description TEXT NOT NULL,
    -- The promoting bureau and officer, for the record (not the enterprise).
    organisation_id UUID REFERENCES organisations(id),
    promoted_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX hazard_samples_category ON hazard_samples(category_code);
