"""The chat model behind the agent's LLM steps: settings, backends, structured output, text tool calls.

    settings = Settings.load().llm_settings()  # MEDREASON_LLM=none|openai|local and friends
    with open_backend(settings) as llm:        # None for "none": the agent runs KG-natively
        answer = llm.structured("verify", messages, Reanswer, on_call=record)

The agent imports from here; the submodules are one concern each.
"""

from medreason.agent.llm.backend import ChatBackend, LLMCall, UsageSink, describe_llm, open_backend
from medreason.agent.llm.settings import Backend, LLMSettings

__all__ = ["Backend", "ChatBackend", "LLMCall", "LLMSettings", "UsageSink", "describe_llm", "open_backend"]
