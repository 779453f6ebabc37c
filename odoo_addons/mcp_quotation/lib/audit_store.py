"""Where audit documents go: an S3 bucket when one is configured, else a folder."""

import json
import os
import tempfile


class AuditStoreError(Exception):
    """A document could not be stored; the caller keeps it and retries later."""


class LocalAuditStore:
    """Writes each document to ``{folder}/{key}``, atomically."""

    def __init__(self, folder):
        self.folder = folder

    def put(self, key, document):
        path = os.path.join(self.folder, *key.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        # Write then rename, so a reader never sees half a document.
        handle, tmp_path = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as tmp:
                json.dump(document, tmp, indent=2, ensure_ascii=False)
            os.replace(tmp_path, path)
        except OSError as error:
            if os.path.exists(tmp_path):
                os.unlink(tmp_path)
            raise AuditStoreError(f"cannot write {path}: {error.strerror}") from error


class S3AuditStore:
    """Puts each document to ``s3://{bucket}/{key}``."""

    def __init__(
        self,
        bucket,
        *,
        region=None,
        endpoint_url=None,
        access_key_id=None,
        secret_access_key=None,
        timeout=5,
    ):
        # Imported here so the addon installs and runs without boto3 when
        # documents go to a local folder.
        try:
            import boto3
            from botocore.config import Config
        except ImportError as error:
            raise AuditStoreError(
                "an S3 bucket is configured but boto3 is not installed in "
                "Odoo's Python (pip install boto3)"
            ) from error

        self.bucket = bucket
        self.client = boto3.client(
            "s3",
            region_name=region or None,
            endpoint_url=endpoint_url or None,
            # Without explicit keys boto3 uses the instance role / environment.
            aws_access_key_id=access_key_id or None,
            aws_secret_access_key=secret_access_key or None,
            config=Config(
                connect_timeout=timeout,
                read_timeout=timeout,
                retries={"max_attempts": 1},
            ),
        )

    def put(self, key, document):
        from botocore.exceptions import (
            BotoCoreError,
            ClientError,
        )

        body = json.dumps(document, indent=2, ensure_ascii=False).encode()
        try:
            self.client.put_object(
                Bucket=self.bucket, Key=key, Body=body, ContentType="application/json"
            )
        except (BotoCoreError, ClientError) as error:
            # The message names the failure, never the credentials.
            raise AuditStoreError(
                f"S3 upload to {self.bucket} failed: {error}"
            ) from error
