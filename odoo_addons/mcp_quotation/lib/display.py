"""How the sales screens word a request's numbers and steps, without the ORM."""

import json


def human_duration(seconds, decimal_point="."):
    """``0.04 s``, ``0.2 s``, ``12 s``, ``1 min 47 s``, ``2 h 5 min``; empty for none.

    Seconds below a minute, never milliseconds, so that a column of them reads
    in one unit; ``decimal_point`` is the reader's language's.
    """
    if not seconds:
        return ""
    if round(seconds, 1) < 10:
        digits = 1 if seconds >= 0.095 else 2
        text = f"{max(seconds, 0.01):.{digits}f} s"
        return text.replace(".", decimal_point)
    whole = round(seconds)
    minutes, secs = divmod(whole, 60)
    if not minutes:
        return f"{secs} s"
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def pretty_json(value):
    """``value`` as indented JSON in the caller's key order; empty for none."""
    if value is None or value is False:
        return ""
    return json.dumps(value, indent=2, ensure_ascii=False)
