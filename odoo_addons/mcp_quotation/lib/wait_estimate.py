"""How long a caller should expect to wait, from the queue ahead and its pace."""

import math

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
        return "0 seconds"
    if seconds < 90:
        count, unit = max(math.ceil(seconds), 1), "second"
    else:
        count, unit = math.ceil(seconds / 60), "minute"
    return f"about {count} {unit}{'s' if count > 1 else ''}"
