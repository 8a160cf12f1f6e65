"""One router per resource: chat, OpenAI-compatible completions, traces, the KG, health, the web pages."""
