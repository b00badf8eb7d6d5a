"""What a person looks at: the HTML report, the Mermaid/Graphviz/JSON exports, terminal
pictures and number formatting.
"""
