"""Object storage for attachments behind one small interface, with two backends:

- `LocalStorage`: files under `BAYFLOW_HOME/attachments` (the embedded default);
- `S3Storage`: an S3-compatible bucket (Supabase Storage's S3 endpoint, MinIO, AWS S3) named
  by `BAYFLOW_STORAGE_URL=s3://bucket/prefix`, with its endpoint, region and credentials.

Keys are relative paths like `attachments/<id>`. Nothing is public: downloads go through
the API (api/download_links.py). The calls block; async code runs them in a thread.
"""
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from bayflow.config import Settings

CHUNK = 256 * 1024


class ObjectMissing(Exception):
    """No object is stored under the key."""


class StorageUnavailable(Exception):
    """The backend refused or failed the call (unreachable, misconfigured, disk full); the message
    names the backend and the reason, never a credential."""


class Storage(Protocol):
    def put(self, key: str, source: Path, content_type: str) -> None:
        """Store the file `source` under `key` (replacing what was there), whole or not at all."""

    def get(self, key: str) -> Iterator[bytes]:
        """The object's bytes in chunks; ObjectMissing when there is none."""

    def delete(self, key: str) -> None:
        """Remove the object; no error when there is none."""


class LocalStorage:
    """Objects as files under `root`; a put writes a temporary file and renames it into place."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()) or path == self.root.resolve():
            raise ValueError(f"storage key {key!r} leaves the storage root")
        return path

    def put(self, key: str, source: Path, content_type: str) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        except OSError as e:
            raise StorageUnavailable(f"local storage at {self.root}: {e.strerror}") from e
        try:
            with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
                while chunk := src.read(CHUNK):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except OSError as e:
            Path(tmp).unlink(missing_ok=True)
            raise StorageUnavailable(f"local storage at {self.root}: {e.strerror}") from e
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> Iterator[bytes]:
        try:
            handle = open(self._path(key), "rb")
        except FileNotFoundError:
            raise ObjectMissing(key) from None
        return _chunks(handle)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def _chunks(handle) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(CHUNK):
            yield chunk


class S3Storage:
    """Objects in `bucket` under `prefix`, through boto3 (path-style when an endpoint is given,
    as Supabase Storage and MinIO need)."""

    def __init__(self, bucket: str, prefix: str, *, endpoint_url: str | None, region: str,
                 access_key_id: str | None, secret_access_key: str | None):
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = boto3.client(
            "s3", endpoint_url=endpoint_url, region_name=region,
            aws_access_key_id=access_key_id, aws_secret_access_key=secret_access_key,
            config=Config(s3={"addressing_style": "path" if endpoint_url else "auto"},
                          retries={"max_attempts": 3, "mode": "standard"}))

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, source: Path, content_type: str) -> None:
        with open(source, "rb") as body, self._failures():  # one PUT: an object appears whole or not at all
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=body, ContentType=content_type)

    def get(self, key: str) -> Iterator[bytes]:
        with self._failures():
            try:
                response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
            except self.client.exceptions.NoSuchKey:
                raise ObjectMissing(key) from None
        return response["Body"].iter_chunks(CHUNK)

    def delete(self, key: str) -> None:
        with self._failures():
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    @contextmanager
    def _failures(self):
        """botocore's errors as StorageUnavailable naming the bucket and S3's own reason."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except ClientError as e:
            error = e.response.get("Error", {})
            raise StorageUnavailable(f"S3 bucket {self.bucket}: {error.get('Code', '?')}: "
                                     f"{error.get('Message', '')}".rstrip(": ")) from e
        except BotoCoreError as e:
            raise StorageUnavailable(f"S3 bucket {self.bucket}: {e}") from e


def open_storage(s: Settings) -> Storage:
    """The backend the settings name: S3 when BAYFLOW_STORAGE_URL is set, else local files."""
    if not s.bayflow_storage_url:
        return LocalStorage(Path(s.bayflow_home) / "attachments")
    parts = urlsplit(s.bayflow_storage_url)
    secret = s.bayflow_storage_secret_access_key
    key_id = s.bayflow_storage_access_key_id
    return S3Storage(parts.netloc, parts.path, endpoint_url=s.bayflow_storage_endpoint_url,
                     region=s.bayflow_storage_region,
                     access_key_id=key_id.get_secret_value() if key_id else None,
                     secret_access_key=secret.get_secret_value() if secret else None)
