-- 1,000 products in five categories with deterministic prices (the same on every run), many of
-- them equal within a category, so paging needs the id tiebreaker to see every row once.
INSERT INTO product (id, sku, name, category, price_cents)
SELECT i,
       'SKU-' || lpad(i::text, 5, '0'),
       (ARRAY['Oak', 'Linen', 'Copper', 'Slate', 'Wool'])[1 + i % 5] || ' item ' || i,
       (ARRAY['kitchen', 'garden', 'office', 'bath', 'outdoor'])[1 + (i / 7) % 5],
       100 + (i * 7919) % 50 * 100
FROM generate_series(1, 1000) AS s(i);
