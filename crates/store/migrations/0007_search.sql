-- The ledger's search index (R-ENT-3 search, ADR 0005): one row per enterprise holding its
-- searchable fields as space-separated tokens (touchstone_domain::search), written by the
-- application in the same transaction as the enterprise. Each engine indexes the tokens
-- with its own full-text index so that a phrase of any length — one Chinese character
-- included — is found without reading the table. Derived data: not in backups, rebuilt on
-- restore.

-- engine: sqlite
CREATE TABLE enterprise_search (
    rid INTEGER PRIMARY KEY,
    enterprise_id UUID NOT NULL UNIQUE REFERENCES enterprises(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    person TEXT NOT NULL,
    address TEXT NOT NULL,
    products TEXT NOT NULL
);
CREATE VIRTUAL TABLE enterprise_fts USING fts5(
    code, name, person, address, products,
    content='enterprise_search', content_rowid='rid',
    tokenize='unicode61 remove_diacritics 0', prefix='2 4', detail='full'
);
CREATE TRIGGER enterprise_search_ai AFTER INSERT ON enterprise_search BEGIN
    INSERT INTO enterprise_fts(rowid, code, name, person, address, products)
    VALUES (new.rid, new.code, new.name, new.person, new.address, new.products);
END;
CREATE TRIGGER enterprise_search_ad AFTER DELETE ON enterprise_search BEGIN
    INSERT INTO enterprise_fts(enterprise_fts, rowid, code, name, person, address, products)
    VALUES ('delete', old.rid, old.code, old.name, old.person, old.address, old.products);
END;
CREATE TRIGGER enterprise_search_au AFTER UPDATE ON enterprise_search BEGIN
    INSERT INTO enterprise_fts(enterprise_fts, rowid, code, name, person, address, products)
    VALUES ('delete', old.rid, old.code, old.name, old.person, old.address, old.products);
    INSERT INTO enterprise_fts(rowid, code, name, person, address, products)
    VALUES (new.rid, new.code, new.name, new.person, new.address, new.products);
END;

-- engine: postgres
-- Tokens become tsvector lexemes directly (no text-search parser, so no locale decides what
-- a Chinese character is); each field starts 3,000 positions after the previous one so a
-- phrase never runs from one field into the next.
CREATE FUNCTION touchstone_search_vector(code TEXT, name TEXT, person TEXT, address TEXT, products TEXT)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT COALESCE(string_agg('''' || t.tok || ''':' || (f.base + t.ord), ' ')::tsvector, ''::tsvector)
    FROM (VALUES (code, 0), (name, 3000), (person, 6000), (address, 9000), (products, 12000)) AS f(doc, base),
         LATERAL unnest(string_to_array(f.doc, ' ')) WITH ORDINALITY AS t(tok, ord)
    WHERE t.tok <> '' AND t.ord < 3000
$$;
CREATE TABLE enterprise_search (
    enterprise_id UUID PRIMARY KEY REFERENCES enterprises(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    person TEXT NOT NULL,
    address TEXT NOT NULL,
    products TEXT NOT NULL,
    tsv tsvector GENERATED ALWAYS AS (touchstone_search_vector(code, name, person, address, products)) STORED
);
CREATE INDEX enterprise_search_tsv ON enterprise_search USING GIN (tsv);
