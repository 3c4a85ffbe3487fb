"""Streamlit UI layer: navigation, components, cached data access, chart builders."""
