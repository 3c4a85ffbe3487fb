"""Pure functions: filters -> SQL -> DataFrames, one per chart or table. No Streamlit here."""
