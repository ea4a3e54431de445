-- The provisions a hazard breaches (违反的规定), as the order to rectify (责令限期整改通知书) and
-- the review opinion print them: from the checklist item a self-inspection failed, or as the
-- officer wrote it with the hazard or the inspection finding. Empty for hazards recorded before.
ALTER TABLE hazards ADD COLUMN legal_basis TEXT NOT NULL DEFAULT '';
