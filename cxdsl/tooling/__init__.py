"""Tools around the files: the formatter's safety checks and file handling, the language
server and the Pygments lexer.
"""
