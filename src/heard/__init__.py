"""heard: active-listening intelligence for customer service."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("heard")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0"

__all__ = ["__version__"]
