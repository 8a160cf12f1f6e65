"""The batch run that turns medical QA pairs into KG-grounded chain-of-thought data."""
