"""How the sales screens word a request's numbers and steps, without the ORM."""

import json


def human_duration(seconds):
    """``40 ms``, ``0.2 s``, ``12 s``, ``1 min 47 s``, ``2 h 5 min``; empty for none."""
    if not seconds:
        return ""
    if seconds < 0.1:
        return f"{max(round(seconds * 1000), 1)} ms"
    if round(seconds, 1) < 10:
        return f"{seconds:.1f} s"
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
