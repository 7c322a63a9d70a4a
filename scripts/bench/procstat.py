"""CPU time and memory of running processes, read from /proc, for the benchmarks.

A `CPUSampler` reads the CPU ticks (user + system, all threads) of a changing set of processes
every `interval` seconds in a thread, keeping each one's first and last reading: processes that
start late (pgbench's backends) or exit early lose at most one interval. A `MemorySampler` keeps
the largest VmRSS seen and the last VmHWM of each process.
"""

import os
import threading

TICK = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid):
    """utime + stime of the whole process, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12])


def memory_kib(pid):
    """(VmRSS, VmHWM) in KiB, or None once the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            values = dict(line.split(":", 1) for line in f if line.startswith(("VmRSS", "VmHWM")))
    except OSError:
        return None
    return int(values["VmRSS"].split()[0]), int(values["VmHWM"].split()[0])


def children(pid):
    """Direct children of `pid` (e.g. nginx's workers)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except OSError:
                pass
    return found


class _Sampler:
    def __init__(self, groups, interval):
        # groups: name -> callable returning the pids of that group now (called at every sample).
        self.groups = groups
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *_):
        self._stop.set()
        self._thread.join()
        self._sample()

    def _run(self):
        while not self._stop.wait(self.interval):
            self._sample()

    def _sample(self):
        for name, pids in self.groups.items():
            for pid in pids():
                self.read(name, pid)


class CPUSampler(_Sampler):
    def __init__(self, groups, interval=0.1):
        super().__init__(groups, interval)
        self._ticks = {}  # (group, pid) -> [first, last]

    def read(self, name, pid):
        ticks = cpu_ticks(pid)
        if ticks is not None:
            self._ticks.setdefault((name, pid), [ticks, ticks])[1] = ticks

    def seconds(self):
        """CPU seconds used by each group between enter and exit."""
        totals = {name: 0 for name in self.groups}
        for (name, _), (first, last) in self._ticks.items():
            totals[name] += last - first
        return {name: ticks / TICK for name, ticks in totals.items()}


class MemorySampler(_Sampler):
    def __init__(self, groups, interval=0.1):
        super().__init__(groups, interval)
        self.peak_rss = {}  # pid -> KiB
        self.hwm = {}

    def read(self, _, pid):
        values = memory_kib(pid)
        if values is not None:
            self.peak_rss[pid] = max(self.peak_rss.get(pid, 0), values[0])
            self.hwm[pid] = values[1]
