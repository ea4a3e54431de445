-- The enterprise list at a province's scale (store/src/enterprises.rs `list`; ADR 0010; BENCHMARKS.md),
-- built as the hazard list's (migrations 0019, 0020).

-- The filter index: a list seeks each region of its scope for the status and scale asked, and
-- counts on the index alone; the identifier answers the category filter without reading rows.
DROP INDEX enterprises_region;
CREATE INDEX enterprises_filter ON enterprises(region_code, status, scale, is_producer, is_distributor, is_online_seller, id);

-- One walked index per sort column: the identifier right after the column (ties go by
-- identifier, so a page comes out of the index in its order), then the filter columns, so a
-- page of a list with plenty of matches is found without reading a row it does not show.
DROP INDEX enterprises_name;
CREATE INDEX enterprises_list_name ON enterprises(name, id, region_code, status, scale, is_producer, is_distributor, is_online_seller);
CREATE INDEX enterprises_list_uscc ON enterprises(uscc, id, region_code, status, scale, is_producer, is_distributor, is_online_seller);
CREATE INDEX enterprises_list_region ON enterprises(region_code, id, status, scale, is_producer, is_distributor, is_online_seller);
CREATE INDEX enterprises_list_status ON enterprises(status, id, region_code, scale, is_producer, is_distributor, is_online_seller);
CREATE INDEX enterprises_list_updated ON enterprises(updated_at, id, region_code, status, scale, is_producer, is_distributor, is_online_seller);
