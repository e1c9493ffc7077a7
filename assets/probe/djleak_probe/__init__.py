"""djleak probe: runs a Django app and streams light-mode measurements to the djleak engine.

Importing this package does no work; everything starts from ``python -m djleak_probe run -- ...``.
"""

__version__ = "0.1.0"
PROTOCOL_VERSION = 1

__all__ = ["__version__", "PROTOCOL_VERSION"]
