"""Assembles the two graphs; the steps themselves live in `agent.nodes` and `agent.chat`.

The pipeline is MedReason's, straight through:

    extract → link → paths → prune → reason → verify

The chat agent loops between a planner (the model with tools bound, or the deterministic planner in
`none` mode) and the tool executor until the planner stops calling tools, then answers:

    plan ⇄ act → answer
"""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from medreason.agent.chat.nodes import act, answer, plan, route_after_plan
from medreason.agent.chat.state import ChatState
from medreason.agent.context import AgentContext
from medreason.agent.nodes.extract import extract
from medreason.agent.nodes.link import link
from medreason.agent.nodes.paths import paths
from medreason.agent.nodes.prune import prune
from medreason.agent.nodes.reason import reason
from medreason.agent.nodes.verify import verify
from medreason.agent.state import PipelineState
from medreason.agent.steps import traced

PIPELINE_STEPS = ("extract", "link", "paths", "prune", "reason", "verify")


def build_pipeline() -> CompiledStateGraph[PipelineState, AgentContext, PipelineState, PipelineState]:
    """The MedReason pipeline as a LangGraph graph."""
    builder = StateGraph(PipelineState, context_schema=AgentContext)
    for name, node in zip(PIPELINE_STEPS, (extract, link, paths, prune, reason, verify), strict=True):
        builder.add_node(name, traced(name, node))
    builder.add_edge(START, PIPELINE_STEPS[0])
    for before, after in zip(PIPELINE_STEPS, PIPELINE_STEPS[1:], strict=False):
        builder.add_edge(before, after)
    builder.add_edge(PIPELINE_STEPS[-1], END)
    return builder.compile(name="medreason-pipeline")


def build_chat_agent() -> CompiledStateGraph[ChatState, AgentContext, ChatState, ChatState]:
    """The chat agent: plan, act on the tool calls, repeat, answer."""
    builder = StateGraph(ChatState, context_schema=AgentContext)
    builder.add_node("plan", traced("plan", plan))
    builder.add_node("act", traced("act", act))
    builder.add_node("answer", traced("answer", answer))
    builder.add_edge(START, "plan")
    builder.add_conditional_edges("plan", route_after_plan)
    builder.add_edge("act", "plan")
    builder.add_edge("answer", END)
    return builder.compile(name="medreason-chat")
