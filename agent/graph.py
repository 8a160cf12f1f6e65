"""Assembles the two graphs; the steps themselves live in `agent.nodes` and `agent.chat`.

The pipeline is MedReason's, straight through:

    extract → link → paths → prune → reason → verify

With a gold answer (datagen) it stops at the first step after which the sample is lost
(`agent.losses`): no question or gold-answer node after `link`, no kept path to the gold answer after
`prune`, a reasoning without MedReason's layout or citing no kept path after `reason`. No model call is
spent on a lost sample.

The chat agent first reads what a follow-up refers back to in the conversation's earlier turns, then
loops between a planner (the model with tools bound, or the deterministic planner in `none` mode) and the
tool executor until the planner stops calling tools, then answers:

    recall → plan ⇄ act → answer
"""

from __future__ import annotations

from collections.abc import Callable

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from medreason.agent.chat.nodes import act, answer, plan, recall, route_after_plan
from medreason.agent.chat.state import ChatState
from medreason.agent.context import AgentContext
from medreason.agent.losses import link_loss, paths_lost, reason_loss
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
        lost = _LOST_AFTER.get(before)
        if lost is None:
            builder.add_edge(before, after)
        else:
            builder.add_conditional_edges(before, _stop_if(lost, after), [after, END])
    builder.add_edge(PIPELINE_STEPS[-1], END)
    return builder.compile(name="medreason-pipeline")


_LOST_AFTER: dict[str, Callable[[PipelineState], bool]] = {
    "link": lambda state: link_loss(state) is not None,
    "prune": paths_lost,
    "reason": lambda state: reason_loss(state) is not None,
}


def _stop_if(lost: Callable[[PipelineState], bool], after: str) -> Callable[[PipelineState], str]:
    def route(state: PipelineState) -> str:
        return END if lost(state) else after

    return route


def build_chat_agent() -> CompiledStateGraph[ChatState, AgentContext, ChatState, ChatState]:
    """The chat agent: recall earlier turns, plan, act on the tool calls, repeat, answer."""
    builder = StateGraph(ChatState, context_schema=AgentContext)
    builder.add_node("recall", traced("recall", recall))
    builder.add_node("plan", traced("plan", plan))
    builder.add_node("act", traced("act", act))
    builder.add_node("answer", traced("answer", answer))
    builder.add_edge(START, "recall")
    builder.add_edge("recall", "plan")
    builder.add_conditional_edges("plan", route_after_plan)
    builder.add_edge("act", "plan")
    builder.add_edge("answer", END)
    return builder.compile(name="medreason-chat")
