"""Trade assistant for small businesses: grounded answers on cross-border trade, with sources."""
