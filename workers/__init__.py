"""arq adapter: job functions are thin wrappers around prao.services."""
