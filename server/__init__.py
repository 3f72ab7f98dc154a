"""The composition root: the app factory, its middleware, the job runner's wiring, the CLI."""
