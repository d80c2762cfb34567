"""Who may see what: the visibility rule and the accounts."""
