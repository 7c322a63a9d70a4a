#!/usr/bin/env python3
"""pgbench scripts replaying exactly what the responder sent for some requests, read from
PostgreSQL's log written with `log_statement = all` while the requests ran one after the other.

Each transaction of `portal_app` in the log (BEGIN … COMMIT, one per request) becomes one
pgbench script: the same statements in the same order, the same parameters. pgbench binds
parameters as text of unspecified type, which the server infers as it does for the responder's
typed binary ones; it cannot bind NULL, so a NULL parameter is written as a NULL literal (the
responder's prepared statements run with custom plans into which PostgreSQL folds it the same way).

    replay.py LOG OUT_DIR NAME...    # one NAME per request, in the order they were made

Writes OUT_DIR/NAME.sql and OUT_DIR/NAME.vars (pgbench -D arguments, one per line).
"""

import os
import re
import sys

ENTRY = re.compile(r"^\S+ \S+ \S+ \[(\d+)\] (\S+)@(\S+) (LOG|DETAIL|ERROR|STATEMENT|WARNING|HINT|CONTEXT):  (.*)$")
EXECUTE = re.compile(r"^execute [^:]+: (.*)$", re.S)
PARAMETER = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*')")


def entries(path, role):
    """(pid, level, text) of `role`'s log entries, continuation lines (tab-indented) joined."""
    current = None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            match = ENTRY.match(line)
            if match:
                if current:
                    yield current
                pid, user, _, level, text = match.groups()
                current = (pid, level, text) if user == role else None
            elif current and line.startswith("\t"):
                current = (current[0], current[1], current[2] + "\n" + line[1:])
    if current:
        yield current


def transactions(path, role):
    """Per backend, the statements of each BEGIN … COMMIT with their parameters, in log order."""
    open_by_pid, done = {}, []
    for pid, level, text in entries(path, role):
        if level == "LOG":
            match = EXECUTE.match(text)
            if not match:
                continue
            sql = match.group(1).strip()
            if sql == "BEGIN":
                open_by_pid[pid] = []
            elif pid in open_by_pid:
                open_by_pid[pid].append([sql, {}])
                if sql in ("COMMIT", "ROLLBACK"):
                    done.append(open_by_pid.pop(pid))
        elif level == "DETAIL" and text.startswith("parameters: ") and open_by_pid.get(pid):
            open_by_pid[pid][-1][1] = {int(n): v for n, v in PARAMETER.findall(text)}
        elif level == "ERROR" and pid in open_by_pid:
            sys.exit(f"replay.py: a captured request failed in PostgreSQL: {text}")
    return done


def script(statements, prefix):
    """The pgbench script and its -D variables: parameter $n of statement k is :{prefix}k_n."""
    lines, variables = ["BEGIN;"], []
    for k, (sql, parameters) in enumerate(statements, 1):
        def bind(match, k=k, parameters=parameters):
            value = parameters[int(match.group(1))]
            if value == "NULL":
                return "NULL"
            name = f"{prefix}{k}_{match.group(1)}"
            variables.append(f"{name}={value[1:-1].replace(chr(39) * 2, chr(39))}")
            return f":{name}"
        lines.append(re.sub(r"\$(\d+)", bind, sql) + ";")
    return "\n".join(lines) + "\n", sorted(set(variables))


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    log, out, names = sys.argv[1], sys.argv[2], sys.argv[3:]
    found = transactions(log, "portal_app")
    if len(found) != len(names):
        sys.exit(f"replay.py: expected {len(names)} transactions of portal_app in {log}, found {len(found)}")
    for name, statements in zip(names, found):
        if statements[-1][0] != "COMMIT":
            sys.exit(f"replay.py: the request for {name} rolled back")
        text, variables = script(statements, "p")
        with open(os.path.join(out, name + ".sql"), "w") as f:
            f.write(text)
        with open(os.path.join(out, name + ".vars"), "w") as f:
            f.write("".join(v + "\n" for v in variables))
        print(f"{name}: {len(statements) + 1} statements", file=sys.stderr)


if __name__ == "__main__":
    main()
