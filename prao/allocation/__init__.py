"""The allocation run ("fördelning"): a pure min-cost-flow solver on plain data (solver,
baselines), the loading of an instance from the database (data), who may allocate and see runs
(access), starting and executing a run (runs), its proposal (summary), and applying it (apply)."""
