"""The model of a journey: the resolved, typed IR the checker produces and every later layer reads,
the registries of attributes, value forms and metrics, conditions, scenario paths, the
canonical JSON form and the model diff. Imports nothing else of cxdsl.
"""
