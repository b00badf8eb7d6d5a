"""The language: grammar loading, source reading, the AST, the parser and its syntax-error
explainers, the checker that turns an AST into the model, one Diagnostic type with its codes
and messages, and the canonical printer. Imports only :mod:`cxdsl.model`.
"""
