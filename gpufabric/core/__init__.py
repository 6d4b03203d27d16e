"""Core facts every layer shares: vocabulary, jurisdictions, hardware, errors, files, naming (no Pulumi)."""
