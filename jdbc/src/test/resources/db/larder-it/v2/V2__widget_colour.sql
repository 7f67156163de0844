ALTER TABLE widget ADD COLUMN colour text NOT NULL DEFAULT 'grey';
