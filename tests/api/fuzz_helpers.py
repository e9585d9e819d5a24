"""What the fuzz tests (the client's and the flows') share: settings, a weighted choice."""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("LINKY_FUZZ_EXAMPLES", "0"))
"""Examples per test when set (to run more than the suite's fixed counts)."""
QUIET_PRNG_WARNING = pytest.mark.filterwarnings("ignore:It looks like `register_random` was passed")
"""A false alarm of hypothesis itself: its own PRNG, held by a thread-local, looks unreferenced."""


def fuzz(examples: int) -> settings:
    """Fixed example count (or LINKY_FUZZ_EXAMPLES), derandomized, nothing stored."""
    return settings(
        max_examples=EXAMPLES or examples,
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=False,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.function_scoped_fixture,
        ],
    )


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """A choice where a strategy of weight n is n times as likely as one of weight 1.

    (`one_of` drops repeated strategies, so repeating one does not weigh it.)
    """

    def pick(index: int) -> st.SearchStrategy[Any]:
        for weight, strategy in choices:
            if index < weight:
                return strategy
            index -= weight
        raise AssertionError(index)

    return st.integers(0, sum(weight for weight, _ in choices) - 1).flatmap(pick)
