"""Run a program and write its wall time, CPU time, peak RSS and exit status as JSON to a file (``measure.run``).

Started by ``measure.run`` as ``python spawn.py RESULT PROGRAM ARGS...``. Linux keeps a process's peak RSS across
``exec`` (``exec_mmap`` carries the old memory's high-water mark into ``signal->maxrss``), so a program forked
straight from a benchmark that has grown (one that ran a scan in its own process) reports the benchmark's own
size as its peak. This small process forks the program instead, so ``wait4`` reports the program's own.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

result, argv = sys.argv[1], sys.argv[2:]
started = time.perf_counter()
process = subprocess.Popen(argv)
_, status, usage = os.wait4(process.pid, 0)
seconds = time.perf_counter() - started
with Path(result).open("w", encoding="utf-8") as out:
    json.dump(
        {
            "seconds": seconds,
            "max_rss_kb": usage.ru_maxrss,
            "code": os.waitstatus_to_exitcode(status),
            "cpu_seconds": usage.ru_utime + usage.ru_stime,
        },
        out,
    )
