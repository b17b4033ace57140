"""Templates (`*.tmpl`, filled with string.Template) from which `hub adapter new` writes an adapter package."""
