"""What every service's HTTP app shares: health, metrics, errors, request ids, body limits."""
