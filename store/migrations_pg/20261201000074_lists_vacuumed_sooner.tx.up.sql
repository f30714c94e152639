-- PostgreSQL only: the tables the lists read through index-only scans are
-- vacuumed after 1 % of new rows rather than PostgreSQL's default 20 %.
--
-- A person's list is read from grants_list, an admin's from cases'
-- indexes, without touching the table, but only for rows on pages that a
-- VACUUM has marked all-visible; any other row costs a read of the table.
-- New case files are exactly those at the top of every list, and at the
-- default an insert-only table is vacuumed after a fifth of its size has
-- been inserted: 200,000 case files at a million. Until then page 1 of
-- each list read every new row from the table. Measured on the 100,000
-- seed after 22,000 creates, an editor's list at 32 connections: 660 and
-- 708 µs (cloison and the cluster), then 513 and 611 after a VACUUM of
-- grants. Vacuuming what was inserted only reads the pages not yet marked
-- (SQLite has no such step: it has no visibility to check).

ALTER TABLE grants SET (autovacuum_vacuum_insert_scale_factor = 0.01);
ALTER TABLE cases SET (autovacuum_vacuum_insert_scale_factor = 0.01);
