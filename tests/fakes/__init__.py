"""Fakes for the one seam tests do not run for real: the LLM endpoint."""
