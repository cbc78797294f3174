"""The consumers: merge import records into stored profiles, in batches."""
