"""The lab's RouterOS script engine: evaluates routeros-lsp's syntax tree against one router.

Modules: syntax (the only routeros-lsp import), values (types and conversions), operators, scope (locals,
per-user globals), evaluator (statements and expressions), commands (`:` commands), menu (menu commands via
router.execute), formats (`:convert`, JSON), runner (entry point, policies, threads).
"""
