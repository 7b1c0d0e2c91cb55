"""The lab's RouterOS script engine: evaluates routeros-lsp's syntax tree against one router.

Modules: syntax (the only routeros-lsp import), values (types and conversions), operators, scope (locals,
per-user globals), evaluator (statements and expressions), commands (`:` commands), jobcommands (`:execute`,
`:jobname`, `:parse`), menu (menu commands via router.execute), formats (`:convert`, JSON), program (code
running as a job: whole scripts, nested runs, `:execute`), runner (entry point, policies). Jobs themselves
(/system/script/job, threads) are lab.jobs.
"""
