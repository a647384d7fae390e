"""Object-store PATHs through fsspec: ``memory://``, ``gs://`` (gcsfs), ``s3://`` (s3fs),
``hdfs://`` (pyarrow). Each is imported when first used; a missing one raises ``StorageError``
naming the extra to install.

The log is a prefix of immutable segments (``segmented``). Credentials and endpoints come from
each library's standard mechanisms only: for S3 the AWS chain (``AWS_ACCESS_KEY_ID``,
``~/.aws``, instance roles) and ``AWS_ENDPOINT_URL`` / ``FSSPEC_S3_ENDPOINT_URL``; for GCS
application-default credentials and ``STORAGE_EMULATOR_HOST``; for HDFS pyarrow's Hadoop
configuration. Nothing here prints or logs them.

Puts are create-only (``pipe_file(mode="create")``): S3 ``If-None-Match: *``, GCS
``ifGenerationMatch=0``. On HDFS, where a file being written is visible, a segment is written
under a temporary name (ignored by readers) and renamed into place.
"""

from __future__ import annotations

import os
import secrets

from streamvis.logger.storage.base import StorageError
from streamvis.logger.storage.registry import scheme_of
from streamvis.logger.storage.segmented import ObjectFs, SegmentSource, SegmentStore

__all__ = ["FsspecObjects", "Source", "Store", "open_filesystem"]

# scheme -> (modules needed, extra)
_NEEDS = {
    "memory": (("fsspec",), "memory"),
    "s3": (("fsspec", "s3fs"), "s3"),
    "gs": (("fsspec", "gcsfs"), "gcs"),
    "gcs": (("fsspec", "gcsfs"), "gcs"),
    "hdfs": (("fsspec", "pyarrow", "pyarrow.fs"), "hdfs"),
}


def _require(url: str, scheme: str) -> None:
    modules, extra = _NEEDS[scheme]
    if scheme in ("gs", "gcs") and os.environ.get("STORAGE_EMULATOR_HOST"):
        # gcsfs's experimental bucket-type probe (gRPC, TLS) hangs ~60 s per bucket against
        # an emulator; it must be off before gcsfs is imported.
        os.environ.setdefault("GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT", "false")
    for module in modules:
        try:
            __import__(module)
        except ImportError as err:
            raise StorageError(
                f"PATH {url!r} needs the Python package {module!r}, which is not installed "
                f"({err}); install it with: pip install 'streamvis-logger[{extra}]'") from err


def open_filesystem(url: str):
    """(fsspec filesystem, prefix path without scheme) for an object-store PATH, bypassing
    fsspec's instance and listing caches."""
    scheme = scheme_of(url)
    if scheme not in _NEEDS:
        raise StorageError(f"unsupported scheme {scheme + '://'!r} in PATH {url!r}; expected "
                           "one of memory://, s3://, gs://, gcs://, hdfs://")
    _require(url, scheme)
    import fsspec.core

    options = {"skip_instance_cache": True}
    if scheme in ("s3", "gs", "gcs"):
        options["use_listings_cache"] = False
    try:
        fs, path = fsspec.core.url_to_fs(url, **options)
    except ImportError as err:
        raise StorageError(f"PATH {url!r}: {err}; install it with: "
                           f"pip install 'streamvis-logger[{_NEEDS[scheme][1]}]'") from err
    except Exception as err:
        detail = " ".join(str(err).split()) or type(err).__name__
        if scheme == "hdfs":
            raise StorageError(
                f"cannot open PATH {url!r}: pyarrow could not start its HDFS client; it needs "
                "a Java runtime and the Hadoop client libraries (set JAVA_HOME, HADOOP_HOME "
                "and CLASSPATH=$(hadoop classpath --glob); see pyarrow.fs.HadoopFileSystem) "
                f"({detail[:300]})") from err
        raise StorageError(f"cannot open PATH {url!r}: {detail}") from err
    path = path.rstrip("/")
    if scheme in ("s3", "gs", "gcs") and "/" not in path:
        raise StorageError(f"PATH {url!r} names only a bucket; expected {scheme}://BUCKET/PREFIX")
    return fs, path


class FsspecObjects(ObjectFs):
    """``ObjectFs`` over an fsspec filesystem; native "list after" on S3 and GCS."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.scheme = scheme_of(url)
        self.fs, self.prefix = open_filesystem(url)

    def reopen(self) -> None:
        self.fs, self.prefix = open_filesystem(self.url)

    def _path(self, name: str) -> str:
        return f"{self.prefix}/{name}"

    def put_new(self, name: str, data: bytes) -> None:
        if self.scheme != "hdfs":
            self.fs.pipe_file(self._path(name), data, mode="create")
            return
        if self.fs.exists(self._path(name)):
            raise FileExistsError(self._path(name))
        tmp = self._path(f".tmp-{secrets.token_hex(8)}-{name}")
        self.fs.pipe_file(tmp, data)
        self.fs.mv(tmp, self._path(name))

    def list_names(self, start_after: str | None = None) -> list[str]:
        if self.scheme == "s3":
            return self._list_s3(start_after)
        if self.scheme in ("gs", "gcs"):
            return self._list_gcs(start_after)
        try:
            entries = self.fs.ls(self.prefix, detail=False, refresh=True)
        except FileNotFoundError:
            return []
        names = [str(e).rstrip("/").rsplit("/", 1)[-1] for e in entries]
        return sorted(n for n in names if start_after is None or n > start_after)

    def _list_s3(self, start_after: str | None) -> list[str]:
        from fsspec.asyn import sync

        bucket, _, key = self.prefix.partition("/")
        base = key + "/"
        kwargs = {"Bucket": bucket, "Prefix": base, "Delimiter": "/"}
        if start_after:
            kwargs["StartAfter"] = base + start_after
        names: list[str] = []
        while True:
            page = sync(self.fs.loop, self.fs._call_s3, "list_objects_v2", **kwargs)
            names += [c["Key"][len(base):] for c in page.get("Contents", [])]
            if not page.get("IsTruncated"):
                return names
            kwargs["ContinuationToken"] = page["NextContinuationToken"]

    def _list_gcs(self, start_after: str | None) -> list[str]:
        from fsspec.asyn import sync

        bucket, _, key = self.prefix.partition("/")
        base = key + "/"
        kwargs = {"prefix": base, "delimiter": "/", "maxResults": 5000}
        if start_after:
            kwargs["startOffset"] = base + start_after + "\x00"  # startOffset is inclusive
        names: list[str] = []
        while True:
            page = sync(self.fs.loop, self.fs._call, "GET", "b/{}/o", bucket, json_out=True,
                        **kwargs)
            names += [i["name"][len(base):] for i in page.get("items", [])]
            if not page.get("nextPageToken"):
                return names
            kwargs["pageToken"] = page["nextPageToken"]

    def get_many(self, names: list[str]) -> dict[str, bytes | BaseException]:
        if not names:
            return {}
        got = self.fs.cat([self._path(n) for n in names], on_error="return")
        return {str(k).rstrip("/").rsplit("/", 1)[-1]: v for k, v in got.items()}

    def delete(self, names: list[str]) -> None:
        if not names:
            return
        try:
            self.fs.rm([self._path(n) for n in names])
        except FileNotFoundError:
            for name in names:  # some were gone already: delete the rest one by one
                try:
                    self.fs.rm_file(self._path(name))
                except FileNotFoundError:
                    pass


class Store(SegmentStore):
    """Appends to an object-store PATH: one immutable segment per flush."""

    def __init__(self, url: str) -> None:
        super().__init__(url, FsspecObjects(url))


class Source(SegmentSource):
    """Reads an object-store PATH's new segments incrementally."""

    def __init__(self, url: str) -> None:
        super().__init__(url, FsspecObjects(url))
