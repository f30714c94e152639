-- A new case file joins its unit's counters, and its creator's grant its
-- account's total, at the end of the batch of writes that creates it
-- (store/cases.go, moveCounts), each counter changed once per batch: these
-- triggers changed them once per row, a PL/pgSQL call each. Only a create
-- and the seed write such rows (every other grant is written without the
-- case file's columns, and counted when grants_case_columns_on_insert
-- copies them); changes and deletions still move the counters by trigger.
DROP TRIGGER cases_unit_count_on_insert ON cases;
DROP TRIGGER cases_unit_category_count_on_insert ON cases;
DROP TRIGGER grant_totals_on_insert ON grants;
