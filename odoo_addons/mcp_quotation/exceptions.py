"""The addon's exceptions: what a caller did wrong, and what the queue retries."""

import logging

from werkzeug.exceptions import TooManyRequests, Unauthorized

from odoo.exceptions import ValidationError

from .contract import LOOKUP_INVALID_MESSAGE
from .lib.elevenlabs import BAD_SIGNATURE_MESSAGE


class QuotationValidationError(ValidationError):
    """Bad input: carries the ``{field, message}`` list for API callers."""

    # Odoo's HTTP layer logs an error at its ``loglevel``: a caller's bad input
    # is no warning about the server.
    loglevel = logging.INFO

    def __init__(self, errors):
        self.errors = errors
        message = "; ".join(f"{error['field']}: {error['message']}" for error in errors)
        super().__init__(f"Invalid quotation request: {message}")
        # JSON-2 callers receive ``args`` as the error's ``arguments``.
        self.args = (self.args[0], errors)


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
