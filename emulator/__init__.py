"""backup-emulator: a stateful emulator of four backup vendors' APIs in one server."""

# The package's version, read by setuptools from here (pyproject.toml: dynamic). A constant rather
# than importlib.metadata.version(): that import and the scan of installed distributions cost
# every server start about 20 ms (docs/performance.md).
__version__ = "0.1.0"

__all__ = ["__version__"]
