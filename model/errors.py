"""The errors the model raises where the kernel returns a negative errno."""

from __future__ import annotations

import errno as _errno
import os


class KernelError(OSError):
    """``OSError(errno, strerror)`` carrying the kernel's errno, plus a model-side ``detail``.

    ``str(exc)`` reads like ``[Errno 22] Invalid argument: lookup miss (...)``; ``exc.errno`` is
    the value the kernel returns negated; ``exc.detail`` says which check failed.
    """

    def __init__(self, err: int, detail: str = "") -> None:
        strerror = os.strerror(err)
        super().__init__(err, f"{strerror}: {detail}" if detail else strerror)
        self.detail = detail

    @property
    def errno_name(self) -> str:
        return errno_name(self.errno)


def errno_name(err: int) -> str:
    """The symbolic name of an errno value (``22`` -> ``"EINVAL"``)."""
    return _errno.errorcode.get(err, str(err))
