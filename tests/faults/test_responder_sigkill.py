"""kill -9 of one of two responders under load costs at most 0.1% of the GETs: the scale-out
suite's test (tests/e2e/test_93_scale_out.py: two responders behind one nginx upstream, a stack of
their own), collected here as well so that `make test-faults` covers every fault of issue 9.
`make test` runs it once, in its end-to-end pass."""

from test_93_scale_out import (both_serving, scaled,  # noqa: F401
                               test_sigkill_of_one_responder_under_load_loses_at_most_0_1_percent_of_gets)
