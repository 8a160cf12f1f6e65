"""The agent's tools: thin LangChain tools over `kg_store`, every call recorded in the trace."""
