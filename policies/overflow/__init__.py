"""The overflow pack: static proofs that each autoscaler follows the fabric's overflow order (`rules.py`),
CrossGuard entry point in `__main__.py`."""
