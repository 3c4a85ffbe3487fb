"""Charts without Streamlit: the Plotly figures (figures), the one list of charts and data sets (registry) and
the title and caption every exported chart carries (caption). The dashboard, the report bundle and
`finboard export` all draw from here."""
