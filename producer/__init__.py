"""The producer: reads an import file, validates each line and streams it to Kafka."""
