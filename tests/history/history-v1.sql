-- A history database as holyaudit wrote it at schema version 1 (before tool_version and the lookup indexes).
-- Frozen: it stands for databases already in the field, so it must never follow later schema changes.
CREATE TABLE runs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL UNIQUE,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    as_of TEXT NOT NULL,
    profile TEXT NOT NULL,
    site TEXT NOT NULL,
    sources TEXT NOT NULL,
    exit_code INTEGER NOT NULL,
    counts TEXT NOT NULL
);
CREATE TABLE results (
    run_seq INTEGER NOT NULL REFERENCES runs (seq) ON DELETE CASCADE,
    rule_id TEXT NOT NULL,
    object_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    severity TEXT NOT NULL,
    reason TEXT
);
CREATE INDEX results_by_run ON results (run_seq);
INSERT INTO runs VALUES (
    1, 'aaaa1111bbbb2222cccc3333dddd4444', '2026-11-11T09:00:00.000000+00:00', '2026-11-11T09:00:05.000000+00:00',
    '2026-11-11T09:00:00.000000+00:00', 'holywell', 'Test School',
    '[{"name":"directory.users","source":"test factory","collected_at":"2026-11-11T09:00:00Z","error":null}]',
    1, '{"PASS": 0, "FAIL": 1, "ERROR": 0, "WAIVED": 0, "NOT_APPLICABLE": 0}'
);
INSERT INTO results VALUES
    (1, 'test-password-required', 'alice', 'user', 'PASS', 'high', NULL),
    (1, 'test-password-required', 'bob', 'user', 'FAIL', 'high', 'uac has bit 0x20 set');
INSERT INTO runs VALUES (
    2, 'eeee5555ffff6666aaaa7777bbbb8888', '2026-11-18T09:00:00.000000+00:00', '2026-11-18T09:00:04.000000+00:00',
    '2026-11-18T09:00:00.000000+00:00', 'holywell', 'Test School',
    '[{"name":"directory.users","source":"test factory","collected_at":"2026-11-18T09:00:00Z","error":null}]',
    0, '{"PASS": 1, "FAIL": 0, "ERROR": 0, "WAIVED": 0, "NOT_APPLICABLE": 0}'
);
INSERT INTO results VALUES
    (2, 'test-password-required', 'alice', 'user', 'PASS', 'high', NULL),
    (2, 'test-password-required', 'bob', 'user', 'PASS', 'high', NULL);
PRAGMA user_version = 1;
