"""The version of sli-rules: the single source that the build and the package read."""

__version__ = "0.1.0"
