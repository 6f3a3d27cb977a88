"""backup-emulator: a stateful emulator of four backup vendors' APIs in one server."""

# The one place the version is written: pyproject.toml reads it from here (setuptools'
# dynamic version), so an installed package's metadata says the same.
__version__ = "0.1.0"

__all__ = ["__version__"]
