"""LangGraph graphs (the MedReason pipeline and the chat agent), state, prompts, LLM backends, traces."""
