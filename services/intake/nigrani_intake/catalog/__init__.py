"""The service catalog: the categories a citizen can file under."""
