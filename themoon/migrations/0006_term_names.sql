-- The owner's Korean names for words the store keeps in English: a bean's country, its process and
-- the café's own roast-level codes (W, N, Pb, Rh, SD, SC). Built-in names live in
-- themoon/ui/i18n.py (TERMS_KO); a row here replaces one of them, or names a word it lacks.
CREATE TABLE term_names (
    kind     TEXT NOT NULL CHECK (kind IN ('country', 'process', 'roast_level')),
    value    TEXT NOT NULL CHECK (length(value) BETWEEN 1 AND 60),
    name_ko  TEXT NOT NULL CHECK (length(name_ko) BETWEEN 1 AND 60),
    PRIMARY KEY (kind, value)
);
