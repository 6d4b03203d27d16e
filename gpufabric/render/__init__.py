"""Text renderers (jinja2, sandboxed, StrictUndefined): configuration files for what runs outside Pulumi."""
