-- A history database as holyaudit wrote it at schema version 2 (results_by_object keyed by object, then rule).
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
    counts TEXT NOT NULL,
    tool_version TEXT
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
CREATE INDEX results_by_object ON results (object_id, rule_id, status);
CREATE INDEX runs_by_site ON runs (site, profile);
INSERT INTO runs VALUES (
    1, '1111aaaa2222bbbb3333cccc4444dddd', '2026-11-11T09:00:00.000000+00:00', '2026-11-11T09:00:05.000000+00:00',
    '2026-11-11T09:00:00.000000+00:00', 'holywell', 'Test School',
    '[{"name":"directory.users","source":"test factory","collected_at":"2026-11-11T09:00:00Z","error":null}]',
    1, '{"PASS": 1, "FAIL": 1, "ERROR": 0, "WAIVED": 0, "NOT_APPLICABLE": 0}', '0.1.0'
);
INSERT INTO results VALUES
    (1, 'test-password-required', 'alice', 'user', 'PASS', 'high', NULL),
    (1, 'test-password-required', 'bob', 'user', 'FAIL', 'high', 'uac has bit 0x20 set'),
    (1, 'test-no-autologon', 'HW-LT-04', 'host', 'PASS', 'medium', NULL);
INSERT INTO runs VALUES (
    2, '5555eeee6666ffff7777aaaa8888bbbb', '2026-11-18T09:00:00.000000+00:00', '2026-11-18T09:00:04.000000+00:00',
    '2026-11-18T09:00:00.000000+00:00', 'holywell', 'Test School',
    '[{"name":"directory.users","source":"test factory","collected_at":"2026-11-18T09:00:00Z","error":null}]',
    1, '{"PASS": 0, "FAIL": 1, "ERROR": 1, "WAIVED": 0, "NOT_APPLICABLE": 0}', '0.1.0'
);
INSERT INTO results VALUES
    (2, 'test-password-required', 'alice', 'user', 'FAIL', 'high', 'uac has bit 0x20 set'),
    (2, 'test-password-required', 'bob', 'user', 'PASS', 'high', NULL),
    (2, 'test-no-autologon', 'HW-LT-04', 'host', 'ERROR', 'medium', 'could not be read: unreachable');
PRAGMA user_version = 2;
