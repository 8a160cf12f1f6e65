"""`medreason eval`: accuracy, the grounding effect and faithfulness on QA benchmarks, as one report.

A batch run over the datagen adapters: every selected question is answered by the chat agent with the
knowledge graph and by the same backend without it (`agent.closed_book`), scored strictly
(`scoring`), checked against the store (`faithfulness`), journaled as it finishes (`results`), and
summarized (`metrics`) into `OUT.json`, `OUT.md` and plots (`report`, `plots`). `run_eval` ties it up.
"""
