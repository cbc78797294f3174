"""Jobs: the events that describe them, the tracker that folds them into reports."""
