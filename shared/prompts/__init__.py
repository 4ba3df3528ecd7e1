"""Prompt variants and experiments on the investigator's narrative: what the model is asked, which variant a report gets, and which one wins."""
