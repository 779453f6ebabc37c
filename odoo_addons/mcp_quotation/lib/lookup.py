"""The product lookup's query parameters and its choice of a clear best match.

Plain Python: the route validates ``q`` and ``limit`` here, and a request's
``product_ref`` is resolved with ``clear_best`` on the same matcher's hits.
"""

from ..contract import (
    LOOKUP_DEFAULT_LIMIT,
    LOOKUP_MAX_LIMIT,
    LOOKUP_MAX_QUERY_LENGTH,
    LOOKUP_PARAMETERS,
    _lt,
)
from .payload import NUL, NUL_MESSAGE, field_error

# A hit is the clear best when it is alone, or this far ahead of the next one
# (scores are trigram similarities, 0 to 1).
CLEAR_MARGIN = 0.15


def parse_lookup(args):
    """Return ``((words, limit), errors)`` from the route's query arguments."""
    errors = []
    unknown = sorted(set(args) - set(LOOKUP_PARAMETERS))
    accepted = ", ".join(LOOKUP_PARAMETERS)
    errors += [
        field_error(name, _lt("unknown parameter; accepted: %(names)s", names=accepted))
        for name in unknown
    ]
    words = " ".join((args.get("q") or "").split())
    if NUL in words:
        errors.append(field_error("q", NUL_MESSAGE))
    elif not words:
        errors.append(field_error("q", _lt("is required: the words to look for")))
    elif len(words) > LOOKUP_MAX_QUERY_LENGTH:
        errors.append(
            field_error(
                "q",
                _lt(
                    "must be at most %(limit)s characters",
                    limit=LOOKUP_MAX_QUERY_LENGTH,
                ),
            )
        )
    limit = LOOKUP_DEFAULT_LIMIT
    if args.get("limit") not in (None, ""):
        try:
            limit = int(args["limit"])
        except ValueError:
            limit = 0
        if not 1 <= limit <= LOOKUP_MAX_LIMIT:
            errors.append(
                field_error(
                    "limit",
                    _lt(
                        "must be an integer from 1 to %(limit)s",
                        limit=LOOKUP_MAX_LIMIT,
                    ),
                )
            )
    return (words, limit), errors


def clear_best(hits):
    """The one hit that stands out of ``hits`` (best first), else None."""
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1 and hits[0]["score"] - hits[1]["score"] >= CLEAR_MARGIN:
        return hits[0]
    return None


def describe_candidates(hits):
    """The hits as a caller reads them out: ``id 7 Desk [FURN_1] (0.62)``."""
    return "; ".join(
        f"id {hit['id']} {hit['name']}"
        + (f" [{hit['reference']}]" if hit["reference"] else "")
        + f" ({hit['score']:.2f})"
        for hit in hits
    )
