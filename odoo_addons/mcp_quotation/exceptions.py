"""The addon's exceptions: what a caller did wrong, and what the queue retries."""

import logging

from werkzeug.exceptions import TooManyRequests, Unauthorized

from odoo.exceptions import ValidationError

from .contract import LOOKUP_INVALID_MESSAGE, translated
from .lib.elevenlabs import BAD_SIGNATURE_MESSAGE


class QuotationValidationError(ValidationError):
    """Bad input: carries the ``{field, message}`` list for API callers."""

    # Odoo's HTTP layer logs an error at its ``loglevel``: a caller's bad input
    # is no warning about the server.
    loglevel = logging.INFO

    def __init__(self, env, errors):
        """``errors`` (``lib.payload``'s texts among them) in ``env``'s language."""
        self.errors = translated(errors, env._)
        problems = "; ".join(
            f"{error['field']}: {error['message']}" for error in self.errors
        )
        super().__init__(
            env._("Invalid quotation request: %(problems)s", problems=problems)
        )
        # JSON-2 callers receive ``args`` as the error's ``arguments``.
        self.args = (self.args[0], self.errors)


class InvalidLookup(QuotationValidationError):
    """A product lookup's bad query parameters."""

    api_message = LOOKUP_INVALID_MESSAGE


class InvalidSignature(Unauthorized):
    """A webhook call that its sender's signature does not authenticate."""

    description = BAD_SIGNATURE_MESSAGE


class SubmissionLimited(TooManyRequests):
    """A submission over its user's rate or the queue's depth: nothing stored;
    the caller may try again after ``retry_after`` seconds."""


class RetryableError(Exception):
    """A failure that says nothing about the request: its attempt is retried.

    The queue (``models/quotation_request_queue.py``) raises it for the
    database errors it retries, and schedules a retry, with backoff, for it
    alone; every other failure ends the request as failed.
    """


class QuotationFailure(Exception):
    """A failure the sales team can fix: its message names the record and the fix.

    The flow raises it for what it checks before anything is created; the
    queue records its message as the request's error, with no traceback.
    """
