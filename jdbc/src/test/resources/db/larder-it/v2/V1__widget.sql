CREATE TABLE widget (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO widget VALUES (1, 'one'), (2, 'two');
