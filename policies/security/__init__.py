"""The security policy pack: rules in `rules.py`, CrossGuard entry point in `__main__.py`."""
