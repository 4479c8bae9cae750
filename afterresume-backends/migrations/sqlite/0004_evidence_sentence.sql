-- The sentence (or clause) that shows the work, kept with each piece of evidence
-- so it can be shown without the worklog; the mention sits at
-- start_offset - sentence_start inside it. Older rows keep an empty sentence.
ALTER TABLE skill_evidence ADD COLUMN sentence TEXT NOT NULL DEFAULT '';
ALTER TABLE skill_evidence ADD COLUMN sentence_start INTEGER NOT NULL DEFAULT 0;
