-- Categories say their label in every language the instance speaks, as a
-- JSON object by language code ({"fr": "…", "en": "…", "de": "…"}): another
-- language needs no new column.
ALTER TABLE categories ADD COLUMN labels TEXT NOT NULL DEFAULT '{}';
UPDATE categories SET labels = json_object('fr', label_fr, 'en', label_en);
ALTER TABLE categories DROP COLUMN label_fr;
ALTER TABLE categories DROP COLUMN label_en;

-- A fresh instance (no account, no case file yet) starts with a neutral set
-- for appeals and complaints instead of the set about birth and maternity
-- care, which stays one of the presets offered on the categories page. An
-- existing instance keeps its categories. The labels are the catalogues'
-- (category.* in server/i18n/locales), which a test holds them to.
DELETE FROM categories WHERE NOT EXISTS (SELECT 1 FROM accounts) AND NOT EXISTS (SELECT 1 FROM cases);
INSERT INTO categories (id, labels, position, created_at, updated_at)
SELECT id, labels, position, datetime('now'), datetime('now') FROM (
    SELECT 'sante' AS id, json_object('fr', 'Santé et soins', 'en', 'Health and care', 'de', 'Gesundheit und Pflege') AS labels, 10 AS position
    UNION ALL SELECT 'social', json_object('fr', 'Aides et prestations sociales', 'en', 'Social benefits and support', 'de', 'Sozialleistungen und Unterstützung'), 20
    UNION ALL SELECT 'administration', json_object('fr', 'Administrations et services publics', 'en', 'Public authorities and services', 'de', 'Behörden und öffentliche Dienste'), 30
    UNION ALL SELECT 'logement', json_object('fr', 'Logement', 'en', 'Housing', 'de', 'Wohnen'), 40
    UNION ALL SELECT 'travail', json_object('fr', 'Travail et emploi', 'en', 'Work and employment', 'de', 'Arbeit und Beschäftigung'), 50
    UNION ALL SELECT 'education', json_object('fr', 'École et formation', 'en', 'School and training', 'de', 'Schule und Ausbildung'), 60
    UNION ALL SELECT 'consommation', json_object('fr', 'Consommation et services', 'en', 'Consumer goods and services', 'de', 'Konsum und Dienstleistungen'), 70
    UNION ALL SELECT 'discrimination', json_object('fr', 'Discrimination', 'en', 'Discrimination', 'de', 'Diskriminierung'), 80
    UNION ALL SELECT 'justice', json_object('fr', 'Justice et police', 'en', 'Justice and police', 'de', 'Justiz und Polizei'), 90
    UNION ALL SELECT 'autre', json_object('fr', 'Autre', 'en', 'Other', 'de', 'Anderes'), 100
) WHERE NOT EXISTS (SELECT 1 FROM categories);
