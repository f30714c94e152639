-- Issue 17: German readers get the functions in German. An entry without a
-- German label ('') reads in English, then French (the SPA falls back).
ALTER TABLE functions ADD COLUMN label_de TEXT NOT NULL DEFAULT '';
-- The seeded functions, in the German the interface writes (gender-neutral
-- with ·in, Swiss usage for the treasurer).
UPDATE functions SET label_de = CASE code
    WHEN 'president'             THEN 'Präsident·in'
    WHEN 'vice-president'        THEN 'Vizepräsident·in'
    WHEN 'tresorier'             THEN 'Kassier·in'
    WHEN 'secretaire'            THEN 'Sekretär·in'
    WHEN 'referent'              THEN 'Referent·in'
    WHEN 'conseiller-prevention' THEN 'Präventionsberater·in'
    WHEN 'directeur'             THEN 'Direktor·in'
END
-- Only an entry the seed gave that still bears the seed's French label: an
-- entry the secretariat renamed is theirs to name in German.
WHERE (code, label_fr) IN (VALUES
    ('president', 'Président·e'), ('vice-president', 'Vice-président·e'),
    ('tresorier', 'Trésorier·ère'), ('secretaire', 'Secrétaire'),
    ('referent', 'Référent·e'), ('conseiller-prevention', 'Conseiller·ère en prévention'),
    ('directeur', 'Directeur·rice'));
