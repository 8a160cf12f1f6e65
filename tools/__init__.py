"""The agent's tools: thin LangChain tools over `kg_store`, bound to one store and one run by `KGToolkit`.

    find_entities   gazetteer mentions of KG nodes in a text (`kg_store.mentions`)
    link_entity     candidates for one mention: exact, synonym, fuzzy, embedding
    search_paths    shortest KG paths between two sets of entities, with run-stable ids
    prune_paths     the paths most relevant to the question, by embedding similarity
    describe_node   one node's facts and its neighbourhood by relation

`tools.registry` holds them (name, `KGToolkit` method, input model, description) and `call_tool`, the one
way to call them with arguments checked; `tools.limits` bounds every argument once for the tools, the
HTTP API and the CLI. The agent records every call in its trace (`agent.toolbox`); results are plain JSON.
"""
