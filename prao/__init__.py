"""Prao: booking of school work placements. The domain package shared by all adapters."""
