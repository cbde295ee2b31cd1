"""The application version, recorded in every annotation record, pack and checkpoint."""

__version__ = "0.1.0"
