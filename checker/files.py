"""Files written whole or not at all, and a standard output that cannot lose a verdict."""

from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
from pathlib import Path

__all__ = ["write_atomic", "make_directory", "WriteError", "GuardedOutput", "guard_stdout"]


class WriteError(OSError):
    """A file could not be written; its message names the file and the reason, in one line."""

    def __str__(self) -> str:
        return self.strerror or super().__str__()


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write data to path through a temporary file in the same directory, renamed into place.

    A failed write (disk full, file-size limit, no permission) leaves no file, or the old one,
    never a truncated file that looks complete. A device or a pipe (``/dev/stdout``) is written
    directly; a directory is refused.
    """
    path = Path(path)
    try:
        mode = os.stat(path).st_mode
    except OSError:
        mode = None
    if mode is not None and stat.S_ISDIR(mode):
        raise WriteError(errno.EISDIR, f"cannot write {path}: Is a directory")
    if not path.name:
        raise WriteError(errno.EINVAL, f"cannot write {str(path)!r}: not a file name")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if mode is not None and not stat.S_ISREG(mode):
        try:
            with open(path, "wb") as f:
                f.write(raw)
        except OSError as e:
            raise WriteError(e.errno, f"cannot write {path}: {e.strerror or e}") from None
        return path
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = None, None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
        with os.fdopen(fd, "wb") as f:
            fd = None
            os.fchmod(f.fileno(), 0o666 & ~_umask())  # as open() would create it, not mkstemp's 0600
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        tmp = None
    except OSError as e:
        raise WriteError(e.errno, f"cannot write {path}: {e.strerror or e}") from None
    finally:
        if fd is not None:
            os.close(fd)
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    return path


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def make_directory(path: Path) -> None:
    """Create a directory and its parents if needed; a failure is a WriteError naming it."""
    if path.exists() and not path.is_dir():
        raise WriteError(errno.ENOTDIR, f"cannot write {path}: it is a file, not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise WriteError(e.errno, f"cannot create the directory {path}: {e.strerror or e}") from None


class GuardedOutput:
    """Standard output that never raises: a closed pipe (``concord ... | head``) drops what follows,
    any other failure (``> /dev/full``) is remembered, so the command's exit code is never lost."""

    def __init__(self, stream):
        self.stream = stream
        self.failure: OSError | None = None  # a failure other than a closed pipe
        self.closed_pipe = False

    def write(self, text: str) -> int:
        if not (self.closed_pipe or self.failure):
            try:
                self.stream.write(text)
            except OSError as e:
                self._failed(e)
        return len(text)

    def flush(self) -> None:
        if not (self.closed_pipe or self.failure):
            try:
                self.stream.flush()
            except OSError as e:
                self._failed(e)

    def _failed(self, e: OSError) -> None:
        if isinstance(e, BrokenPipeError) or e.errno == errno.EPIPE:
            self.closed_pipe = True
            try:  # the interpreter flushes stdout at exit: point it at nothing
                os.dup2(os.open(os.devnull, os.O_WRONLY), self.stream.fileno())
            except (OSError, ValueError):
                pass
        else:
            self.failure = e

    def __getattr__(self, name):
        return getattr(self.stream, name)


def guard_stdout() -> GuardedOutput:
    """Replace sys.stdout with a GuardedOutput (once) and return it."""
    if not isinstance(sys.stdout, GuardedOutput):
        sys.stdout = GuardedOutput(sys.stdout)
    return sys.stdout
