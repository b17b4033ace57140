"""Merchant-editable allocation rules: data files plus the safe condition language in `hub.rules.expr`."""
