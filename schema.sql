-- pathway database schema, version 6.
--
-- This file is the one definition of the database. The binary embeds it
-- (src/db/migrate.rs) and applies it to a new file inside one transaction,
-- then sets PRAGMA application_id and PRAGMA user_version.
--
-- Conventions:
--   * money is integer pence (`*_pence`), never floating point;
--   * dates are ISO `YYYY-MM-DD` text, checked with date(x) = x;
--   * every closed set has a CHECK constraint with its lower_snake_case names;
--   * foreign keys are on for every connection;
--   * no names, addresses or dates of birth of women are ever stored:
--     clients are known only by the provider's pseudonymous client_ref.

-- Organisations: commissioners, providers and partners, recorded as they are
-- first named (by a decision, grant or service).
CREATE TABLE organisations (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
    kind        TEXT NOT NULL CHECK (kind IN ('commissioner', 'provider', 'partner')),
    -- 360Giving org-id such as GB-CHC-1234567 or GB-LAE-NTT.
    identifier  TEXT UNIQUE CHECK (identifier IS NULL OR identifier GLOB '[A-Z][A-Z]*-*-?*')
);

-- A commissioner's formal decision (Notice of Decision), e.g. 2021.021.
CREATE TABLE decisions (
    id                     INTEGER PRIMARY KEY,
    ref                    TEXT NOT NULL UNIQUE CHECK (length(trim(ref)) > 0),
    commissioner_id        INTEGER NOT NULL REFERENCES organisations (id),
    title                  TEXT NOT NULL CHECK (length(trim(title)) > 0),
    summary                TEXT,
    author                 TEXT,
    received_on            TEXT CHECK (received_on IS NULL OR date(received_on) = received_on),
    decided_on             TEXT CHECK (decided_on IS NULL OR date(decided_on) = decided_on),
    status                 TEXT NOT NULL DEFAULT 'draft'
                           CHECK (status IN ('draft', 'submitted', 'approved', 'rejected', 'withdrawn')),
    amount_pence           INTEGER NOT NULL CHECK (amount_pence >= 0),
    funding_source         TEXT,
    spend_type             TEXT CHECK (spend_type IS NULL OR spend_type IN ('revenue', 'capital', 'both')),
    budget_year            TEXT CHECK (budget_year IS NULL OR (budget_year GLOB '[0-9][0-9][0-9][0-9]/[0-9][0-9]'
                               AND (CAST(substr(budget_year, 1, 4) AS INTEGER) + 1) % 100
                                   = CAST(substr(budget_year, 6, 2) AS INTEGER))),
    confidential           INTEGER NOT NULL DEFAULT 0 CHECK (confidential IN (0, 1)),
    confidential_category  TEXT,
    CHECK (status <> 'approved' OR decided_on IS NOT NULL),
    CHECK (confidential = 1 OR confidential_category IS NULL)
);
CREATE INDEX decisions_commissioner ON decisions (commissioner_id);

-- Officer approvals recorded on a notice (Chief Finance Officer, Chief Executive...).
CREATE TABLE decision_approvals (
    decision_id  INTEGER NOT NULL REFERENCES decisions (id) ON DELETE CASCADE,
    role         TEXT NOT NULL CHECK (length(trim(role)) > 0),
    approved_on  TEXT NOT NULL CHECK (date(approved_on) = approved_on),
    PRIMARY KEY (decision_id, role)
) WITHOUT ROWID;

-- A grant under one decision. The grants under a decision never add up to
-- more than the decision's amount (checked in the same transaction as every
-- write, and by `db check`).
CREATE TABLE grants (
    id                  INTEGER PRIMARY KEY,
    -- Stable reference, e.g. 2021.021-1; the base of the 360Giving identifier.
    ref                 TEXT NOT NULL UNIQUE CHECK (length(trim(ref)) > 0),
    decision_id         INTEGER NOT NULL REFERENCES decisions (id),
    funder_id           INTEGER NOT NULL REFERENCES organisations (id),
    recipient_id        INTEGER NOT NULL REFERENCES organisations (id),
    intermediary_id     INTEGER REFERENCES organisations (id),
    title               TEXT,
    purpose             TEXT,
    conditions          TEXT,
    amount_pence        INTEGER NOT NULL CHECK (amount_pence > 0),
    start_on            TEXT CHECK (start_on IS NULL OR date(start_on) = start_on),
    end_on              TEXT CHECK (end_on IS NULL OR date(end_on) = end_on),
    status              TEXT NOT NULL DEFAULT 'active'
                        CHECK (status IN ('active', 'completed', 'cancelled')),
    match_amount_pence  INTEGER CHECK (match_amount_pence IS NULL OR match_amount_pence > 0),
    match_funder_id     INTEGER REFERENCES organisations (id),
    CHECK (end_on IS NULL OR start_on IS NULL OR end_on >= start_on),
    CHECK ((match_amount_pence IS NULL) = (match_funder_id IS NULL))
);
CREATE INDEX grants_decision ON grants (decision_id);
CREATE INDEX grants_recipient ON grants (recipient_id);

-- Instalments paid under a grant; never more than the grant in total.
CREATE TABLE payments (
    id            INTEGER PRIMARY KEY,
    grant_id      INTEGER NOT NULL REFERENCES grants (id),
    paid_on       TEXT NOT NULL CHECK (date(paid_on) = paid_on),
    amount_pence  INTEGER NOT NULL CHECK (amount_pence > 0),
    note          TEXT
);
CREATE INDEX payments_grant ON payments (grant_id, paid_on);

-- Services run by providers: hubs, their spokes, outreach.
CREATE TABLE services (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
    provider_id  INTEGER NOT NULL REFERENCES organisations (id),
    area         TEXT,
    kind         TEXT NOT NULL DEFAULT 'hub' CHECK (kind IN ('hub', 'spoke', 'outreach', 'other')),
    hub_id       INTEGER REFERENCES services (id),
    CHECK (hub_id IS NULL OR kind = 'spoke'),
    CHECK (hub_id IS NULL OR hub_id <> id)
);

-- Which grants fund which services.
CREATE TABLE service_grants (
    service_id  INTEGER NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    grant_id    INTEGER NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
    PRIMARY KEY (service_id, grant_id)
) WITHOUT ROWID;

-- Women, known only by a pseudonymous reference chosen by the provider, with
-- optional equality-monitoring attributes. Ethnicity uses the ONS 2021
-- census categories.
CREATE TABLE clients (
    id                  INTEGER PRIMARY KEY,
    client_ref          TEXT NOT NULL UNIQUE CHECK (length(client_ref) BETWEEN 1 AND 64),
    birth_year          INTEGER CHECK (birth_year IS NULL OR birth_year BETWEEN 1900 AND 2100),
    ethnicity           TEXT CHECK (ethnicity IS NULL OR ethnicity IN (
                            'asian_bangladeshi', 'asian_chinese', 'asian_indian', 'asian_pakistani', 'asian_other',
                            'black_african', 'black_caribbean', 'black_other',
                            'mixed_white_asian', 'mixed_white_black_african', 'mixed_white_black_caribbean', 'mixed_other',
                            'white_british', 'white_irish', 'white_gypsy_irish_traveller', 'white_roma', 'white_other',
                            'other_arab', 'other_any', 'prefer_not_to_say')),
    disability          TEXT CHECK (disability IS NULL OR disability IN ('yes', 'no', 'prefer_not_to_say')),
    dependent_children  INTEGER CHECK (dependent_children IS NULL OR dependent_children BETWEEN 0 AND 30)
);

-- The needs a referral can carry, as bits of referrals.needs. The bit
-- layout is fixed: a referral's needs are one integer, so that counting
-- needs over a million referrals reads one index and joins nothing. The view
-- referral_needs below gives the one-row-per-need form.
CREATE TABLE needs (
    bit   INTEGER PRIMARY KEY CHECK (bit BETWEEN 0 AND 10),
    name  TEXT NOT NULL UNIQUE
);
INSERT INTO needs (bit, name) VALUES
    (0, 'mental_health'), (1, 'substance_misuse'), (2, 'alcohol'), (3, 'domestic_abuse'),
    (4, 'housing'), (5, 'debt'), (6, 'learning_disability'), (7, 'children'),
    (8, 'employment'), (9, 'sex_work'), (10, 'other');

-- A referral of a woman to a service.
CREATE TABLE referrals (
    id                INTEGER PRIMARY KEY,
    client_id         INTEGER NOT NULL REFERENCES clients (id),
    service_id        INTEGER NOT NULL REFERENCES services (id),
    referred_on       TEXT NOT NULL CHECK (date(referred_on) = referred_on),
    -- The closed sets of this table are checked with OR chains rather than
    -- IN lists: SQLite builds a temporary b-tree for an IN list of more than
    -- two constants on every row it checks, which made a million-row import
    -- about 2 seconds slower. The meaning is the same.
    source            TEXT NOT NULL CHECK (source = 'police' OR source = 'probation' OR source = 'crc'
                                           OR source = 'liaison_diversion' OR source = 'court' OR source = 'self'
                                           OR source = 'gp' OR source = 'social_care' OR source = 'housing'
                                           OR source = 'other'),
    area              TEXT,
    needs             INTEGER NOT NULL DEFAULT 0 CHECK (needs BETWEEN 0 AND 2047),
    outcome           TEXT CHECK (outcome IS NULL OR outcome = 'accepted' OR outcome = 'declined'
                                  OR outcome = 'no_contact' OR outcome = 'engaged' OR outcome = 'closed'),
    first_contact_on  TEXT CHECK (first_contact_on IS NULL
                                  OR (date(first_contact_on) = first_contact_on AND first_contact_on >= referred_on)),
    ref               TEXT CHECK (ref IS NULL OR length(ref) BETWEEN 1 AND 64),
    risk              TEXT CHECK (risk IS NULL OR risk = 'standard' OR risk = 'medium' OR risk = 'high'),
    marac             INTEGER NOT NULL DEFAULT 0 CHECK (marac IN (0, 1))
);
CREATE UNIQUE INDEX referrals_ref ON referrals (ref) WHERE ref IS NOT NULL;
-- Client lookups (subject access, erasure) and idempotent matching of
-- referrals without a ref on (client, service, referred_on, source).
CREATE INDEX referrals_client ON referrals (client_id, referred_on);
-- Covering index for the return: a period's referrals are one range scan.
-- The id comes second: a day's referrals are then in id order, the order
-- `report explain` lists them in (no sort), and sorting the index at the
-- end of a bulk load rarely compares past the second column (built 12%
-- faster than with the id last).
CREATE INDEX referrals_return ON referrals (referred_on, id, service_id, source, outcome, needs, risk,
                                            first_contact_on, area);

CREATE VIEW referral_needs AS
    SELECT r.id AS referral_id, n.name AS need
    FROM referrals AS r JOIN needs AS n ON (r.needs >> n.bit) & 1 = 1;

-- Key workers and their weekly capacity in hours (37.5 is full time).
CREATE TABLE workers (
    id              INTEGER PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE CHECK (length(trim(code)) > 0),
    name            TEXT,
    capacity_hours  REAL NOT NULL DEFAULT 37.5 CHECK (capacity_hours > 0 AND capacity_hours <= 168),
    active          INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);

-- Support tiers and their weekly hours (the Nottinghamshire model by default).
CREATE TABLE tiers (
    code            TEXT PRIMARY KEY CHECK (code GLOB 'T[0-9]*'),
    hours_per_week  REAL NOT NULL CHECK (hours_per_week > 0 AND hours_per_week <= 168),
    description     TEXT
) WITHOUT ROWID;
INSERT INTO tiers (code, hours_per_week, description) VALUES
    ('T1', 2.5, 'Tier 1: 2.5 hours a week'),
    ('T2', 5, 'Tier 2: 5 hours a week'),
    ('T3', 10, 'Tier 3: 10 hours a week');

-- Caseload episodes: a woman on a key worker's caseload at a service.
CREATE TABLE cases (
    id            INTEGER PRIMARY KEY,
    ref           TEXT UNIQUE CHECK (ref IS NULL OR length(ref) BETWEEN 1 AND 64),
    client_id     INTEGER NOT NULL REFERENCES clients (id),
    worker_id     INTEGER NOT NULL REFERENCES workers (id),
    service_id    INTEGER NOT NULL REFERENCES services (id),
    opened_on     TEXT NOT NULL CHECK (date(opened_on) = opened_on),
    closed_on     TEXT CHECK (closed_on IS NULL OR (date(closed_on) = closed_on AND closed_on >= opened_on)),
    close_reason  TEXT,
    outcome       TEXT CHECK (outcome IS NULL OR outcome IN ('positive', 'neutral', 'negative')),
    CHECK (closed_on IS NOT NULL OR (close_reason IS NULL AND outcome IS NULL))
);
-- A woman has at most one open case at a service.
CREATE UNIQUE INDEX cases_one_open ON cases (client_id, service_id) WHERE closed_on IS NULL;
CREATE INDEX cases_client ON cases (client_id, opened_on);
CREATE INDEX cases_opened ON cases (opened_on, closed_on, service_id, worker_id, client_id);
CREATE INDEX cases_closed ON cases (closed_on, service_id, outcome) WHERE closed_on IS NOT NULL;
CREATE INDEX cases_worker ON cases (worker_id, opened_on);

-- Tier history: the tier of a case on day D is the row with the latest
-- from_on on or before D. The first row's from_on is the case's opened_on.
CREATE TABLE case_tiers (
    case_id  INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    from_on  TEXT NOT NULL CHECK (date(from_on) = from_on),
    tier     TEXT NOT NULL REFERENCES tiers (code),
    PRIMARY KEY (case_id, from_on)
) WITHOUT ROWID;

-- Assessments of a woman's progress on one resettlement pathway, recorded
-- on one of her cases (PRODUCT.md 6.2): a score from 1 to 10 (10 best),
-- optionally at a stage. client_id is the case's client, kept here so that
-- the rule "one assessment of a woman on a pathway a day" (across her
-- cases, so that her first and latest scores are never ambiguous) is an
-- index, and erasure finds her assessments directly.
CREATE TABLE assessments (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES cases (id),
    client_id    INTEGER NOT NULL REFERENCES clients (id),
    pathway      TEXT NOT NULL CHECK (pathway IN (
                     'accommodation', 'education_training_employment', 'health', 'drugs_alcohol',
                     'finance_benefit_debt', 'children_families', 'attitudes_thinking_behaviour', 'abuse',
                     'sex_work')),
    assessed_on  TEXT NOT NULL CHECK (date(assessed_on) = assessed_on),
    score        INTEGER NOT NULL CHECK (score BETWEEN 1 AND 10),
    stage        TEXT CHECK (stage IS NULL OR stage IN ('start', 'review', 'exit'))
);
CREATE UNIQUE INDEX assessments_one_a_day ON assessments (client_id, pathway, assessed_on);
CREATE INDEX assessments_case ON assessments (case_id, pathway, assessed_on);
-- The return's outcomes section reads every assessment it counts from this
-- index alone, in the order it counts them (by woman, pathway and day).
CREATE INDEX assessments_counted ON assessments (client_id, pathway, assessed_on, score, case_id);

-- Targets: by service or by grant, for a measure over a period.
CREATE TABLE targets (
    id          INTEGER PRIMARY KEY,
    service_id  INTEGER REFERENCES services (id) ON DELETE CASCADE,
    grant_id    INTEGER REFERENCES grants (id) ON DELETE CASCADE,
    measure     TEXT NOT NULL CHECK (measure IN ('referrals', 'women_supported', 'positive_outcomes',
                                          'women_progressed', 'completions')),
    period      TEXT NOT NULL,
    from_on     TEXT NOT NULL CHECK (date(from_on) = from_on),
    to_on       TEXT NOT NULL CHECK (date(to_on) = to_on AND to_on >= from_on),
    value       INTEGER NOT NULL CHECK (value >= 0),
    CHECK ((service_id IS NULL) <> (grant_id IS NULL))
);
CREATE UNIQUE INDEX targets_unique ON targets (coalesce(service_id, 0), coalesce(grant_id, 0), measure, from_on, to_on);

-- Settings that belong to this database (e.g. the 360Giving prefix).
CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) WITHOUT ROWID;

-- Every change: when, which command, what entity, what changed. Never the
-- personal detail itself: no client_ref, no equality data. A row about one
-- referral or case keeps the internal id of the client it belongs to (no
-- foreign key: it outlives nothing, since `client erase` removes the rows
-- with her), so that erasure finds every row about her.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    command   TEXT NOT NULL,
    entity    TEXT NOT NULL,
    key       TEXT,
    action    TEXT NOT NULL,
    detail    TEXT,
    client_id INTEGER
);

-- The return's journey (PRODUCT.md 6.3): each return as it was filed (the
-- exact bytes of its JSON, their sha256, when, the options it was made
-- with, the figures by name for `report diff`, and the highest audit_log id
-- at filing, so that later changes are found by id), and the reporting
-- schedule of a grant.
CREATE TABLE filed_returns (
    id                   INTEGER PRIMARY KEY,
    filed_at             TEXT NOT NULL,
    period               TEXT NOT NULL,
    from_on              TEXT NOT NULL CHECK (date(from_on) = from_on),
    to_on                TEXT NOT NULL CHECK (date(to_on) = to_on),
    service              TEXT,
    suppress             INTEGER NOT NULL DEFAULT 0,
    round                INTEGER,
    completion_pathways  INTEGER NOT NULL,
    sha256               TEXT NOT NULL CHECK (length(sha256) = 64),
    audit_mark           INTEGER NOT NULL,
    figures              TEXT NOT NULL,
    body                 BLOB NOT NULL
);
CREATE INDEX filed_returns_period ON filed_returns (from_on, to_on, service);
CREATE TABLE grant_schedules (
    grant_id  INTEGER PRIMARY KEY REFERENCES grants (id) ON DELETE CASCADE,
    returns   TEXT NOT NULL CHECK (returns IN ('monthly', 'quarterly')),
    due_days  INTEGER NOT NULL CHECK (due_days BETWEEN 0 AND 366)
) WITHOUT ROWID;

-- The data's lifecycle (PRODUCT.md 6.5).
--
-- The retention policy: at most one row. A woman ages out when none of her
-- records (referrals, first contacts, cases opened or closed, tier
-- changes, assessments) falls inside the last `years` years and she has no
-- open case; `retention apply` then erases or anonymises her.
CREATE TABLE retention_policy (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    years   INTEGER NOT NULL CHECK (years BETWEEN 1 AND 100),
    action  TEXT NOT NULL CHECK (action IN ('erase', 'anonymise'))
);

-- A client linked into another (`client link A --into B`): A's records
-- (referrals, cases, assessments, and the audit rows about them) moved to
-- B, listed in client_link_moves so that `client unlink A` moves them back.
-- A's own row stays in clients, unchanged, so that unlinking restores her
-- exactly. Erasing B erases A with her.
CREATE TABLE client_links (
    id         INTEGER PRIMARY KEY,
    client_id  INTEGER NOT NULL UNIQUE REFERENCES clients (id),
    into_id    INTEGER NOT NULL REFERENCES clients (id),
    linked_at  TEXT NOT NULL,
    CHECK (client_id <> into_id)
);
CREATE INDEX client_links_into ON client_links (into_id);
CREATE TABLE client_link_moves (
    link_id  INTEGER NOT NULL REFERENCES client_links (id) ON DELETE CASCADE,
    kind     TEXT NOT NULL CHECK (kind IN ('referral', 'case', 'assessment', 'audit')),
    row_id   INTEGER NOT NULL,
    PRIMARY KEY (link_id, kind, row_id)
) WITHOUT ROWID;

-- A service's ONS area code (GSS code, e.g. E09000022 for Lambeth), for the
-- 360Giving beneficiary location.
CREATE TABLE service_area_codes (
    service_id  INTEGER PRIMARY KEY REFERENCES services (id) ON DELETE CASCADE,
    gss_code    TEXT NOT NULL CHECK (gss_code GLOB '[EWSN][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]')
);

-- 360Giving identifiers in the publisher form (360G-...) for organisations
-- with no registered number (organisations.identifier holds registered
-- org-ids such as GB-CHC-1234567).
CREATE TABLE org_unregistered_ids (
    organisation_id  INTEGER PRIMARY KEY REFERENCES organisations (id),
    identifier       TEXT NOT NULL UNIQUE CHECK (identifier GLOB '360G-?*')
);
