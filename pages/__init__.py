"""One thin script per dashboard page (st.Page runs them by path; a package so the import contracts see them)."""
