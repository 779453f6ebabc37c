"""How long a caller should expect to wait, from the queue ahead and its pace."""

import math

from ..contract import _lt

# The completed requests whose mean duration sets the pace.
ESTIMATE_SAMPLE = 20
# The pace before any request has completed.
DEFAULT_SECONDS_PER_REQUEST = 3.0


def estimated_seconds(ahead, mean_duration):
    """The requests ahead, then this one, one after the other at the recent pace."""
    return (ahead + 1) * (mean_duration or DEFAULT_SECONDS_PER_REQUEST)


def describe_wait(seconds):
    """``seconds`` as the acknowledgement's ``estimated_time``: "about 14 seconds"."""
    if seconds <= 0:
        return _lt("0 seconds")
    if seconds < 90:
        count = max(math.ceil(seconds), 1)
        if count == 1:
            return _lt("about 1 second")
        return _lt("about %(count)s seconds", count=count)
    count = math.ceil(seconds / 60)
    return _lt("about %(count)s minutes", count=count)
