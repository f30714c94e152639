-- A unit's or an organisation's admin reads their list newest first from
-- one range of cases_unit_updated or cases_org_updated (issue 11, "Scale").
-- Those indexes held only (scope, updated_at, id): each of a page's fifty
-- entries then cost a seek into the cases table, to a page of its own,
-- seldom in the cache with a thousand units. At a million case files that
-- was half a request's CPU, twice an editor's list (which reads grants_list,
-- carrying the same columns). They now carry a list's columns too, so that
-- a page is one contiguous range and never reads a case file's row. Every
-- write to a case file changes updated_at, which rewrites these entries
-- anyway: what this adds is their width, not more writes.
DROP INDEX cases_unit_updated;
CREATE INDEX cases_unit_updated ON cases (unit_id, updated_at, id,
    reference, title, category_id, status, outcome, version, created_at);
DROP INDEX cases_org_updated;
CREATE INDEX cases_org_updated ON cases (org_id, updated_at, id,
    unit_id, reference, title, category_id, status, outcome, version, created_at);
