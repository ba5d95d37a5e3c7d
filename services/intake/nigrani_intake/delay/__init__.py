"""Delay made public: the due times the SLA service sets, and whether they were missed."""
