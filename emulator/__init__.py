"""backup-emulator: a stateful emulator of four backup vendors' APIs in one server."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("backup-emulator")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
