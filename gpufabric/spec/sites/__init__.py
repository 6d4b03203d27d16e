"""Site kinds' own spec models, one module per kind."""
