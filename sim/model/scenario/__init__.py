"""Scenario language: schema (pydantic), distributions and the YAML loader."""
