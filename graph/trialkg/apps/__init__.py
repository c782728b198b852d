"""What people ask of a built graph: related trials, eligibility matching, pictures."""
