"""Collected data: respondent tables (CSV and Parquet), sampling simulated customers into them,
and fitting a spec to them.
"""
