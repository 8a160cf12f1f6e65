"""The FastAPI app: chat, traces, entity and path look-ups, the web page."""
