"""arq adapter: job functions (thin wrappers around prao.services), WorkerSettings, and the job
runners the server wires into the domain: arq on Redis, or the same functions in-process."""
