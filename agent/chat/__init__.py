"""The chat agent: a tool-calling loop over the KG tools, answering with the kept paths as evidence."""
