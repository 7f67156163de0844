-- The catalog's system of record. Reads are served by the standby; writes go to the primary.
CREATE TABLE product (
    id          bigint      PRIMARY KEY,
    sku         text        NOT NULL UNIQUE,
    name        text        NOT NULL,
    category    text        NOT NULL,
    price_cents bigint      NOT NULL CHECK (price_cents >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Keyset paging walks (category ASC, price_cents DESC, id ASC): the index has the same keys,
-- directions and order, so each page is one index range scan whatever the page number.
CREATE INDEX product_category_price_id ON product (category, price_cents DESC, id);
