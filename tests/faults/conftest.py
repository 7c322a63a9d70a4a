"""Fault-injection tests (issue 9) on the end-to-end suite's throwaway stack.

Run them with `make test-faults` (scripts/test.sh --skip-swift --faults). They reuse the
end-to-end helpers (tests/e2e is put on the import path) and its fixtures: the same skip when
no stack is configured, and a stack brought back up before each test.
"""

import importlib.util
import os
import sys

E2E_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "e2e"))
sys.path.insert(0, E2E_DIR)


def _e2e_conftest():
    spec = importlib.util.spec_from_file_location("e2e_conftest", os.path.join(E2E_DIR, "conftest.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_e2e = _e2e_conftest()
pytest_collection_modifyitems = _e2e.pytest_collection_modifyitems
stack_is_up = _e2e.stack_is_up
diagnostics = _e2e.diagnostics
no_sleepers = _e2e.no_sleepers
