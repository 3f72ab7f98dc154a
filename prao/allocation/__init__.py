"""The allocation run ("fördelning"): a pure min-cost-flow solver on plain data, and the
loading of an instance from the database and the writing back of a proposal."""
