-- The full-text index (FTS5) writes a new segment at every COMMIT that
-- indexed a case file, and merges segments in the background of the next
-- writes once AUTOMERGE of them are on one level. With the default, 4, each
-- entry was written again at every fourth segment, and merging was a tenth
-- of the writer's time in a profile of creates at 32 connections. With 8,
-- each entry is merged again half as often (log8 against log4 of the
-- segments), below crisismerge's 16 at which a level is merged at once.
-- A search reads at most a few more segments; it finds the same case files.
INSERT INTO case_search (case_search, rank) VALUES ('automerge', 8);
