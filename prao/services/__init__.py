"""Domain services: every business rule lives here, called by the API, web and workers."""
