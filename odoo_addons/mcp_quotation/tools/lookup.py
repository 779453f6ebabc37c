"""The product lookup's query parameters and its choice of a clear best match.

Plain Python: the route validates ``q`` and ``limit`` here, and a request's
``product_ref`` is resolved with ``clear_best`` on the same matcher's hits.
"""

from .payload import field_error

PRODUCTS_PATH = "/mcp_quotation/v1/products"
DEFAULT_LIMIT = 5
MAX_LIMIT = 50
MAX_QUERY_LENGTH = 128
# A hit is the clear best when it is alone, or this far ahead of the next one
# (scores are trigram similarities, 0 to 1).
CLEAR_MARGIN = 0.15
LOOKUP_INVALID_MESSAGE = "The product lookup is invalid."


def parse_lookup(args):
    """Return ``((words, limit), errors)`` from the route's query arguments."""
    errors = []
    unknown = sorted(set(args) - {"q", "limit"})
    errors += [
        field_error(name, "unknown parameter; accepted: q, limit") for name in unknown
    ]
    words = " ".join((args.get("q") or "").split())
    if not words:
        errors.append(field_error("q", "is required: the words to look for"))
    elif len(words) > MAX_QUERY_LENGTH:
        errors.append(
            field_error("q", f"must be at most {MAX_QUERY_LENGTH} characters")
        )
    limit = DEFAULT_LIMIT
    if args.get("limit") not in (None, ""):
        try:
            limit = int(args["limit"])
        except ValueError:
            limit = 0
        if not 1 <= limit <= MAX_LIMIT:
            errors.append(
                field_error("limit", f"must be an integer from 1 to {MAX_LIMIT}")
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
