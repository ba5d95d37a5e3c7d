"""The ops dashboard: the board's figures as JSON (`/v1/ops/...`) and as pages (`/ops/...`)
that refresh themselves from that JSON, with every asset served by the service."""
